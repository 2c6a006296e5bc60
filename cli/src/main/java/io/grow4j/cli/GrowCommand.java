package io.grow4j.cli;

import io.grow4j.kernels.device.DeviceProfiles;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.transforms.device.DeviceGrower;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.stream.StreamOptions;
import io.grow4j.transforms.stream.StreamProgress;
import io.grow4j.transforms.stream.StreamResult;
import io.grow4j.transforms.stream.StreamingGrower;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "grow", description = {"Apply a growth plan and write the grown model.",
        "A Hugging Face directory grown into a directory, or a .gguf file into a .gguf file, is streamed tensor by"
                + " tensor: memory stays bounded by the largest tensor (quantized GGUF tensors are decoded one at a"
                + " time), output shards hold at most --shard-size bytes, and OUT appears only when complete."
                + " Other inputs and outputs (llama2.c .bin, ONNX, GPT-2's fused tensors, --dtype) are grown in memory.",
        "Values the storage dtype rounds (rescaled gains, mean fills in F16/BF16) are listed as note: lines on"
                + " stderr."})
final class GrowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model directory, a llama2.c .bin, a .gguf or an .onnx file")
    Path model;

    @Option(names = "--plan", required = true, paramLabel = "PLAN.yaml", description = "the growth plan")
    Path plan;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "a directory (default format: config.json + safetensors), a .bin (llama2.c), .gguf or .onnx file")
    Path out;

    @Option(names = "--force", description = "replace OUT if it exists")
    boolean force;

    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
        @Option(names = "--stream", description = "stream tensor by tensor (the default for a directory into a directory and a .gguf into a"
                + " .gguf; an error for other formats)")
        boolean stream;

        @Option(names = "--in-memory", description = "read the whole model, grow it in memory, then write it")
        boolean inMemory;
    }

    @Option(names = "--shard-size", paramLabel = "SIZE", defaultValue = "4GB", converter = ByteSizes.Bytes.class,
            description = "streamed output: the most tensor bytes per safetensors shard (default: ${DEFAULT-VALUE};"
                    + " KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024); one shard is written as model.safetensors")
    long shardSize;

    @Option(names = "--progress", negatable = true,
            description = "draw a progress bar on stderr while streaming (default: only when it is a terminal)")
    Boolean progress;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "where tensors are padded: cpu (all cores) or opencl (the device of --device-profile; in"
                    + " memory, the whole plan runs there with tensors kept on the device between steps);"
                    + " default ${DEFAULT-VALUE}. Both give the same bits.")
    String backend;

    @Option(names = "--device-profile", paramLabel = "FILE", description = "device profile (devices/*.yaml)")
    Path deviceProfile;

    @Option(names = "--dtype", paramLabel = "TYPE", converter = OutputDType.class,
            description = "store the grown tensors as f64, f32, f16 or bf16 (default: as read; grows in memory)")
    DType dtype;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!backend.equals("cpu") && !backend.equals("opencl")) {
            throw new IllegalArgumentException("grow pads on cpu or opencl, not '" + backend + "'");
        }
        return streaming() ? growStreamed() : growInMemory();
    }

    /**
     * Whether to stream: asked for, or by default a directory into a directory when its family can be mapped tensor
     * by tensor (GPT-2's fused tensors cannot: grown in memory), and a GGUF file into a GGUF file. Refuses options
     * that do not fit the choice.
     */
    private boolean streaming() throws IOException {
        boolean directories = Files.isDirectory(model) && ModelFormats.forOutput(out) instanceof HfDirectoryFormat;
        boolean ggufs = ggufs();
        boolean shardSizeGiven = spec.commandLine().getParseResult().hasMatchedOption("--shard-size");
        if (dtype != null && mode != null && mode.stream) {
            throw new PlanException(List.of("--dtype converts a model in memory; it does not combine with --stream"));
        }
        if (dtype != null && mode == null && shardSizeGiven) {
            throw new PlanException(List.of("--shard-size applies to streamed output, and --dtype grows in memory"));
        }
        if (mode != null && mode.inMemory && shardSizeGiven) {
            throw new PlanException(List.of("--shard-size applies to streamed output only, not to --in-memory"));
        }
        if (mode != null && mode.stream && !directories && !ggufs) {
            throw new PlanException(List.of("--stream reads a Hugging Face model directory and writes one; "
                    + (Files.isDirectory(model) ? "OUT " + out + " names a " + ModelFormats.forOutput(out).name()
                    + " file" : "MODEL " + model + " is not a directory")
                    + " (a .gguf file grown into a .gguf file streams too; drop --stream to grow in memory)"));
        }
        if (!directories && shardSizeGiven) {
            throw new PlanException(List.of("--shard-size applies to streamed directory output only"));
        }
        return mode == null ? dtype == null && (ggufs || directories && HfCheckpoint.streamable(model)) : mode.stream;
    }

    /** A GGUF file grown into a GGUF file: streamed like a directory. */
    private boolean ggufs() {
        return Files.isRegularFile(model) && ModelFormats.forOutput(model) instanceof GgufFormat
                && ModelFormats.forOutput(out) instanceof GgufFormat;
    }

    private int growStreamed() throws IOException {
        if (ggufs()) {
            return growStreamedGguf();
        }
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        HfCheckpoint source = HfCheckpoint.open(model);
        if (growthPlan != null) {
            problems.addAll(StreamingGrower.problems(source, growthPlan));
        }
        checkOutput(problems);
        PlanException.throwIfAny(problems);
        GrowthNotes.printRounding(spec.commandLine().getErr(), source, growthPlan);
        if (force) {
            deleteRecursively(out);
        }
        long start = System.nanoTime();
        StreamResult result;
        try (GrowProgressBar bar = new GrowProgressBar(System.err, GrowProgressBar.isTerminal())) {
            StreamProgress listener = GrowProgressBar.wanted(progress) ? bar : StreamProgress.NONE;
            try (PadKernels kernel = PadKernels.open(backend, deviceProfile)) {
                result = new StreamingGrower(kernel.kernel(), StreamOptions.DEFAULTS.withShardSize(shardSize))
                        .grow(model, growthPlan, out, listener);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.printf("streamed %d tensors (%d unchanged, copied file to file) into %d shard%s: %s in %.1f s (%s/s)%n",
                result.tensors(), result.copiedTensors(), result.shards(), result.shards() == 1 ? "" : "s",
                ByteSizes.format(result.fileBytes()), seconds, ByteSizes.format((long) (result.fileBytes() / seconds)));
        stdout.printf("wrote %s (hf-directory): %,d parameters%n", out, result.config().parameterCount());
        stdout.flush();
        return Grow4j.OK;
    }

    /** GGUF into GGUF: header and metadata first, then each tensor as it is grown; quantized tensors decoded. */
    private int growStreamedGguf() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        GgufCheckpoint source = GgufCheckpoint.open(model);
        if (growthPlan != null) {
            problems.addAll(StreamingGrower.problems(source, growthPlan));
        }
        checkOutput(problems);
        PlanException.throwIfAny(problems);
        source.notes().forEach(note -> stderr.println("note: " + model + ": " + note));
        GrowthNotes.printRounding(stderr, source, growthPlan);
        if (force) {
            deleteRecursively(out);
        }
        long start = System.nanoTime();
        StreamResult result;
        try (GrowProgressBar bar = new GrowProgressBar(System.err, GrowProgressBar.isTerminal())) {
            StreamProgress listener = GrowProgressBar.wanted(progress) ? bar : StreamProgress.NONE;
            try (PadKernels kernel = PadKernels.open(backend, deviceProfile)) {
                result = new StreamingGrower(kernel.kernel(), StreamOptions.DEFAULTS)
                        .growGguf(model, growthPlan, out, listener);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.printf("streamed %d tensors (%d unchanged, copied file to file) into one GGUF file: %s in %.1f s"
                        + " (%s/s)%n", result.tensors(), result.copiedTensors(), ByteSizes.format(result.fileBytes()),
                seconds, ByteSizes.format((long) (result.fileBytes() / seconds)));
        stdout.printf("wrote %s (gguf): %,d parameters%n", out, result.config().parameterCount());
        stdout.flush();
        return Grow4j.OK;
    }

    private int growInMemory() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        Model source = ModelFiles.read(model, spec.commandLine().getErr());
        ModelFormat format = ModelFormats.forOutput(out);
        if (growthPlan != null) {
            List<String> planProblems = growthPlan.problems(source.config());
            problems.addAll(planProblems);
            if (planProblems.isEmpty()) {
                TransformerConfig grown = growthPlan.apply(source.config());
                for (String p : format.writeProblems(source, grown)) {
                    problems.add("output " + out + " (" + format.name() + "): " + p);
                }
            }
        }
        checkOutput(problems);
        PlanException.throwIfAny(problems);
        GrowthNotes.printRounding(spec.commandLine().getErr(), source, growthPlan);

        Model grown;
        if (backend.equals("opencl")) {
            grown = DeviceGrower.grow(source, growthPlan, DeviceProfiles.load(deviceProfile), new StepTable(stdout)::row);
        } else {
            Grower grower = new Grower(new CpuPadKernel());
            grown = grower.grow(source, growthPlan, new StepTable(stdout)::row);
            grower.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
        }
        if (dtype != null) {
            grown = grown.convertTo(dtype);
        }
        if (force) {
            deleteRecursively(out);
        }
        format.write(grown, out);
        stdout.printf("wrote %s (%s): %,d parameters%n", out, format.name(), grown.parameterCount());
        stdout.flush();
        return Grow4j.OK;
    }

    private void checkOutput(List<String> problems) {
        if (Files.exists(out) && !force) {
            problems.add("output " + out + " already exists (use --force to replace it)");
        }
        Path source = model.toAbsolutePath().normalize();
        Path target = out.toAbsolutePath().normalize();
        if (source.startsWith(target) || target.startsWith(source)) {
            problems.add("output " + out + " and the model " + model + " overlap; write the grown model elsewhere");
        }
    }

    private GrowthPlan readPlan(List<String> problems) throws IOException {
        try {
            return PlanFiles.read(plan);
        } catch (PlanException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
