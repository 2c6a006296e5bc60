package io.grow4j.cli;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.stream.StreamOptions;
import io.grow4j.transforms.stream.StreamProgress;
import io.grow4j.transforms.stream.StreamResult;
import io.grow4j.transforms.stream.StreamingGrower;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Measures one model size: writes a synthetic checkpoint (untimed), then times streamed growth against {@code cp -r}
 * of its output, and in-memory growth of the loaded model against one memory copy of the grown bytes. Dirty pages are
 * flushed ({@code sync}, untimed) before each file measurement, so no run pays for the previous one's writeback.
 * Each measurement is repeated (three times below 256 MB of output, twice above) and the fastest kept: on a shared
 * virtual disk a single file measurement can be twice as slow as the next.
 */
final class GrowthBench {
    /** Below this many output bytes a run takes well under a second, and timing noise matters most. */
    private static final long REPEAT_BELOW = 256L << 20;
    private static final long SEED = 20230911;

    private final Path work;
    private final long memoryBudget;

    /**
     * @param work         an empty directory for the checkpoints, removed size by size
     * @param memoryBudget the most bytes the in-memory measurement may hold (source, grown model and the copy)
     */
    GrowthBench(Path work, long memoryBudget) {
        this.work = work;
        this.memoryBudget = memoryBudget;
    }

    /** The benchmark's plan for a config: MLP × 1.25 (rounded to 256), then a quarter more layers spread evenly. */
    static GrowthPlan planFor(TransformerConfig c) {
        int mlp = (int) Math.ceil(c.mlp().size() * 1.25 / 256) * 256;
        int add = Math.max(1, c.layers() / 4);
        int total = c.layers() + add;
        List<Integer> at = new ArrayList<>();
        for (int k = 0; k < add; k++) {
            at.add((int) Math.round((k + 1) * (double) total / (add + 1)));
        }
        return new GrowthPlan(SEED, List.of(new MlpExpansion(mlp), new LayerAddition(add, at)));
    }

    /** Bytes of disk one size needs at once: the source, the grown model and its copy. */
    static long diskNeeded(TransformerConfig c) {
        long out = planFor(c).apply(c).parameterCount() * 2;
        return c.parameterCount() * 2 + 2 * out;
    }

    GrowthBenchRow measure(TransformerConfig config) throws IOException, InterruptedException {
        Path in = work.resolve("source");
        Path streamed = work.resolve("streamed");
        Path copy = work.resolve("copy");
        GrowthPlan plan = planFor(config);
        try {
            SyntheticCheckpoints.write(in, config, DType.BF16, SEED, StreamOptions.DEFAULT_SHARD_SIZE);
            long inputBytes = safetensorsBytes(in);
            int repeats = config.parameterCount() * 2 < REPEAT_BELOW ? 3 : 2;
            double stream = Double.POSITIVE_INFINITY;
            double cp = Double.POSITIVE_INFINITY;
            long outputBytes = 0;
            for (int r = 0; r < repeats; r++) {
                delete(streamed);
                delete(copy);
                sync();
                long start = System.nanoTime();
                StreamResult result = new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS)
                        .grow(in, plan, streamed, StreamProgress.NONE);
                stream = Math.min(stream, seconds(start));
                outputBytes = result.fileBytes();
                sync();
                start = System.nanoTime();
                run("cp", "-r", streamed.toString(), copy.toString());
                cp = Math.min(cp, seconds(start));
            }
            delete(streamed);
            delete(copy);
            double[] memory = measureInMemory(in, plan, repeats, inputBytes);
            return new GrowthBenchRow(config.parameterCount(), plan.apply(config).parameterCount(), inputBytes,
                    outputBytes, stream, cp, memory[0], memory[1], memory[2]);
        } finally {
            delete(in);
            delete(streamed);
            delete(copy);
        }
    }

    /**
     * {growth seconds, memcpy seconds, fresh memcpy seconds}, or NaNs when the model and its grown copy would not fit
     * the budget.
     */
    private double[] measureInMemory(Path in, GrowthPlan plan, int repeats, long inputBytes) throws IOException {
        long grownBytes = plan.apply(new HfDirectoryFormat().read(in).config()).parameterCount() * 2;
        if (inputBytes + 2 * grownBytes > memoryBudget) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
        Model source = new HfDirectoryFormat().read(in);
        double grow = Double.POSITIVE_INFINITY;
        double copy = Double.POSITIVE_INFINITY;
        double fresh = Double.POSITIVE_INFINITY;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            Model grown = new Grower(new CpuPadKernel()).grow(source, plan);
            grow = Math.min(grow, seconds(start));
            copy = Math.min(copy, memcpy(grown, false));
            fresh = Math.min(fresh, memcpy(grown, true));
        }
        return new double[] {grow, copy, fresh};
    }

    /**
     * Seconds to copy every tensor of {@code model} into one segment: allocated (and so touched: the arena zeroes
     * it) before the clock starts, or, when {@code fresh}, inside the timed interval, as growth allocates its tensors.
     */
    private static double memcpy(Model model, boolean fresh) {
        long bytes = model.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
        try (Arena arena = Arena.ofConfined()) {
            long start = System.nanoTime();
            MemorySegment target = arena.allocate(Math.max(bytes, 1), 64);
            if (!fresh) {
                start = System.nanoTime();
            }
            long at = 0;
            for (Tensor t : model.tensors().values()) {
                MemorySegment.copy(t.data(), 0, target, at, t.byteSize());
                at += t.byteSize();
            }
            return seconds(start);
        }
    }

    private static long safetensorsBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static void sync() throws IOException, InterruptedException {
        run("sync");
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException(String.join(" ", command) + " failed with exit code " + code);
        }
    }

    static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
