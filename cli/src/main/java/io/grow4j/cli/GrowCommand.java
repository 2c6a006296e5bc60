package io.grow4j.cli;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.transforms.device.DeviceGrower;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.NonFiniteCount;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.GrowthMemory;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.StepReport;
import io.grow4j.transforms.stream.NonFiniteScan;
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
import java.util.function.Consumer;

@Command(name = "grow", description = {"Apply a growth plan and write the grown model.",
        "A Hugging Face directory grown into a directory, or a .gguf file into a .gguf file, is streamed tensor by"
                + " tensor: memory stays bounded by the largest tensor (quantized GGUF tensors are decoded one at a"
                + " time), output shards hold at most --shard-size bytes, and OUT appears only when complete."
                + " Other inputs and outputs (llama2.c .bin, ONNX, GPT-2's fused tensors, --dtype) are grown in memory.",
        "Values that F16 or BF16 would round (gains rescaled by a factor that is not a power of two, mean fills)"
                + " are kept in F32, so the output may mix dtypes and still computes what the source did; each such"
                + " case is a note: line on stderr. --dtype f16 or bf16 rounds them instead (an explicit choice, noted"
                + " too). Weights holding NaN or infinite values are refused unless --allow-non-finite."})
final class GrowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "the model to grow (never modified): " + Formats.MODELS_READ)
    Path model;

    @Option(names = "--plan", required = true, paramLabel = "PLAN",
            description = "the growth plan: a YAML file of steps (README: Growth plans)")
    Path plan;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "where to write the grown model; its format is " + Formats.MODELS_WRITTEN)
    Path out;

    @Option(names = "--force", description = "replace OUT if it exists (default: refuse)")
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
            description = "draw a progress bar on stderr while growing: per tensor when streamed, per step in memory"
                    + " (default: only when stderr is a terminal)")
    Boolean progress;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "where tensors are padded: cpu (all cores) or opencl (the device of --device-profile; in"
                    + " memory, the whole plan runs there with tensors kept on the device between steps);"
                    + " default ${DEFAULT-VALUE}. Both give the same bits.")
    String backend;

    @Option(names = "--device-profile", paramLabel = "FILE", description = "device profile (devices/*.yaml) for"
            + " --backend opencl (default: the built-in profile, the first device found)")
    Path deviceProfile;

    @Option(names = "--dtype", paramLabel = "TYPE", converter = OutputDType.class,
            description = "store every grown tensor as f64, f32, f16 or bf16 (default: as read, with rescaled"
                    + " F16/BF16 tensors kept in F32; grows in memory). A wider type than the model's is applied"
                    + " before growing; a narrower one rounds once, at the end")
    DType dtype;

    @Option(names = NonFiniteWeights.ALLOW_OPTION, description = "grow a model whose weights hold NaN or infinite"
            + " values, carrying them as they are (default: refuse, naming the tensors); new entries are scaled from"
            + " the finite values only")
    boolean allowNonFinite;

    @Option(names = "--allow-inexact", description = "run steps that change the function (stack: copied blocks add"
            + " their output again); grow then prints the change it measured, as verify compares the source with OUT,"
            + " instead of claiming preservation (default: refuse such steps)")
    boolean allowInexact;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!backend.equals("cpu") && !backend.equals("opencl")) {
            throw new IllegalArgumentException("--backend: grow pads on cpu or opencl, not '" + backend + "'");
        }
        try (OutputClaim claim = OutputClaim.replacing(out, force, OutputClaim.Input.model(model),
                new OutputClaim.Input("the plan", plan))) {
            return streaming() ? growStreamed(claim) : growInMemory(claim);
        }
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
        if (mode != null) {
            return mode.stream;
        }
        return dtype == null && (ggufs || directories && HfCheckpoint.streamable(model)) && partsKeepOneDtype(ggufs);
    }

    /**
     * Whether streaming, chosen by default, can write the plan's stacked tensors: when parts of one would grow into
     * different dtypes (a rescaled half-precision query kept in F32), streaming refuses them, so the default grows in
     * memory instead, which joins them in one dtype, and says so. A plan that does not parse is left to the streamed
     * path to report.
     */
    private boolean partsKeepOneDtype(boolean ggufs) throws IOException {
        GrowthPlan growthPlan = readPlan(new ArrayList<>());
        if (growthPlan == null) {
            return true;
        }
        List<String> mixed = ggufs ? StreamingGrower.mixedDtypeProblems(GgufCheckpoint.open(model), growthPlan)
                : StreamingGrower.mixedDtypeProblems(HfCheckpoint.open(model), growthPlan);
        if (!mixed.isEmpty()) {
            spec.commandLine().getErr().println("note: grown in memory, not streamed: stacked tensors would mix"
                    + " dtypes (" + mixed.size() + " tensor" + (mixed.size() == 1 ? "" : "s")
                    + ", rescaled half-precision parts kept in F32), which streaming cannot write part by part");
        }
        return mixed.isEmpty();
    }

    /** A GGUF file grown into a GGUF file: streamed like a directory. */
    private boolean ggufs() {
        return Files.isRegularFile(model) && ModelFormats.forOutput(model) instanceof GgufFormat
                && ModelFormats.forOutput(out) instanceof GgufFormat;
    }

    private int growStreamed(OutputClaim claim) throws IOException {
        if (ggufs()) {
            return growStreamedGguf(claim);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        HfCheckpoint source = HfCheckpoint.open(model);
        if (growthPlan != null) {
            problems.addAll(StreamingGrower.problems(source, growthPlan));
        }
        NonFiniteWeights.check(model, NonFiniteScan.of(source), allowNonFinite, problems, spec.commandLine().getErr());
        problems.addAll(claim.problems());
        PlanException.throwIfAny(problems);
        source.notes().forEach(note -> spec.commandLine().getErr().println("note: " + model + ": " + note));
        GrowthNotes.printRounding(spec.commandLine().getErr(), source, growthPlan);
        long start = System.nanoTime();
        StreamResult result;
        try (GrowProgressBar bar = new GrowProgressBar(System.err, GrowProgressBar.isTerminal())) {
            StreamProgress listener = GrowProgressBar.wanted(progress) ? bar : StreamProgress.NONE;
            try (PadKernels kernel = PadKernels.open(backend, deviceProfile)) {
                result = claim.produce(temporary -> new StreamingGrower(kernel.kernel(),
                        StreamOptions.DEFAULTS.withShardSize(shardSize))
                        .grow(model, growthPlan, temporary, listener));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.printf("streamed %d tensors (%d unchanged, copied file to file) into %d shard%s: %s in %.1f s (%s/s)%n",
                result.tensors(), result.copiedTensors(), result.shards(), result.shards() == 1 ? "" : "s",
                ByteSizes.format(result.fileBytes()), seconds, ByteSizes.format((long) (result.fileBytes() / seconds)));
        stdout.printf("wrote %s (hf-directory): %,d parameters%n", out, result.config().parameterCount());
        stdout.flush();
        return measureIfInexact(growthPlan, result.config());
    }

    /** GGUF into GGUF: header and metadata first, then each tensor as it is grown; quantized tensors decoded. */
    private int growStreamedGguf(OutputClaim claim) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        GgufCheckpoint source = GgufCheckpoint.open(model);
        if (growthPlan != null) {
            problems.addAll(StreamingGrower.problems(source, growthPlan));
        }
        NonFiniteWeights.check(model, NonFiniteScan.of(source), allowNonFinite, problems, stderr);
        problems.addAll(claim.problems());
        PlanException.throwIfAny(problems);
        source.notes().forEach(note -> stderr.println("note: " + model + ": " + note));
        GrowthNotes.printRounding(stderr, source, growthPlan);
        long start = System.nanoTime();
        StreamResult result;
        try (GrowProgressBar bar = new GrowProgressBar(System.err, GrowProgressBar.isTerminal())) {
            StreamProgress listener = GrowProgressBar.wanted(progress) ? bar : StreamProgress.NONE;
            try (PadKernels kernel = PadKernels.open(backend, deviceProfile)) {
                result = claim.produce(temporary -> new StreamingGrower(kernel.kernel(), StreamOptions.DEFAULTS)
                        .growGguf(model, growthPlan, temporary, listener));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        stdout.printf("streamed %d tensors (%d unchanged, copied file to file) into one GGUF file: %s in %.1f s"
                        + " (%s/s)%n", result.tensors(), result.copiedTensors(), ByteSizes.format(result.fileBytes()),
                seconds, ByteSizes.format((long) (result.fileBytes() / seconds)));
        new GgufFormat().configNotes(result.config()).forEach(n -> stdout.println("note: " + out + ": " + n));
        stdout.printf("wrote %s (gguf): %,d parameters%n", out, result.config().parameterCount());
        stdout.flush();
        return measureIfInexact(growthPlan, result.config());
    }

    private int growInMemory(OutputClaim claim) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        Model read = ModelFiles.read(model, spec.commandLine().getErr());
        // --dtype wider than the file: convert first, so rescales are computed and stored in it, not in the source's
        // dtype; narrower: grow in the source's dtype and round once at the end (an explicit choice, noted)
        Model source = dtype == null ? read : read.widenedFor(dtype);
        ModelFormat format = ModelFormats.forOutput(out);
        if (growthPlan != null) {
            // the plan's problems and the output's refusals of what its valid steps make, in one report
            GrowthPlan.Check check = growthPlan.check(source.config());
            problems.addAll(check.problems());
            if (check.problems().isEmpty()) {
                problems.addAll(GrowthMemory.inMemoryProblems(source.config(), growthPlan,
                        GrowthMemory.widestElement(source)));
            }
            String label = check.outputLabel("output " + out + " (" + format.name() + ")");
            for (String p : format.writeProblems(source, check.config())) {
                problems.add(label + ": " + p);
            }
        }
        NonFiniteWeights.check(model, NonFiniteCount.perTensor(read.tensors()), allowNonFinite, problems,
                spec.commandLine().getErr());
        problems.addAll(claim.problems());
        PlanException.throwIfAny(problems);
        GrowthNotes.printRounding(spec.commandLine().getErr(), source, growthPlan, dtype);

        Model grown;
        try (GrowProgressBar bar = new GrowProgressBar(System.err, GrowProgressBar.isTerminal())) {
            Consumer<StepReport> onStep = new StepTable(stdout)::row;
            if (GrowProgressBar.wanted(progress)) {
                bar.startSteps(source.config(), growthPlan);
                onStep = onStep.andThen(bar::stepDone);
            }
            grown = growSteps(source, growthPlan, onStep);
        }
        if (dtype != null) {
            grown = grown.convertTo(dtype);
        }
        Model written = grown;
        claim.write(temporary -> format.write(written, temporary));
        format.writeNotes(written).forEach(n -> stdout.println("note: " + out + ": " + n));
        stdout.printf("wrote %s (%s): %,d parameters%n", out, format.name(), grown.parameterCount());
        stdout.flush();
        return measureIfInexact(growthPlan, grown.config());
    }

    /**
     * A plan with steps that change the function claims nothing: the change is measured instead, by verify's own
     * comparison of the source with what was written (its default sequences, as long as the model allows), and
     * printed. Growth succeeded either way, so the exit code stays 0.
     */
    private int measureIfInexact(GrowthPlan growthPlan, TransformerConfig grown) {
        if (!growthPlan.hasInexactSteps()) {
            return Grow4j.OK;
        }
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> inexact = new ArrayList<>();
        for (int i = 0; i < growthPlan.steps().size(); i++) {
            if (!growthPlan.steps().get(i).exact()) {
                inexact.add(growthPlan.label(i));
            }
        }
        stdout.println("not function-preserving (" + String.join(", ", inexact) + "): measured change, as grow4j"
                + " verify " + model + " " + out + " reports it:");
        stdout.flush();
        Grow4j.commandLine(stdout, spec.commandLine().getErr()).execute("verify", model.toString(), out.toString(),
                "--length", Integer.toString(Math.min(32, grown.maxSeqLen())));
        stdout.println("grown with --allow-inexact: a change is what these steps do; verify's PASS/FAIL above is"
                + " against its default tolerance");
        stdout.flush();
        return Grow4j.OK;
    }

    private Model growSteps(Model source, GrowthPlan growthPlan, Consumer<StepReport> onStep) {
        if (backend.equals("opencl")) {
            return DeviceGrower.grow(source, growthPlan, OptionFiles.deviceProfile(deviceProfile), onStep);
        }
        Grower grower = new Grower(new CpuPadKernel());
        Model grown = grower.grow(source, growthPlan, onStep);
        grower.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
        return grown;
    }

    private GrowthPlan readPlan(List<String> problems) throws IOException {
        try {
            GrowthPlan read = OptionFiles.plan(plan);
            return allowInexact ? read.allowingInexact() : read;
        } catch (PlanException e) {
            problems.addAll(e.problems());
            return null;
        }
    }
}
