import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.*;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.*;
import io.grow4j.transforms.steps.*;
import io.grow4j.transforms.stream.*;
import java.lang.foreign.*;
import java.nio.file.*;
import java.util.*;

/**
 * Growth against its floor, repeated in one JVM: streamed growth of a synthetic bf16 Llama-shaped checkpoint then
 * {@code cp -r} of its output, and/or in-memory growth then one memory copy of the grown bytes, with the plan of
 * {@code grow4j bench growth}. Used to compare builds or settings side by side (run two JVMs in turn, A, B, A, B):
 *
 * <pre>java --add-modules jdk.incubator.vector -cp cli/target/grow4j.jar docs/bench/GrowthAB.java HIDDEN REPEATS
 *     [stream|mem|both] [DIR]</pre>
 *
 * HIDDEN 1536 is the 438 M model; DIR (default /tmp/growth-ab) keeps the source between runs.
 */
public class GrowthAB {
    static GrowthPlan planFor(TransformerConfig c) {
        int mlp = (int) Math.ceil(c.mlp().size() * 1.25 / 256) * 256;
        int add = Math.max(1, c.layers() / 4);
        int total = c.layers() + add;
        List<Integer> at = new ArrayList<>();
        for (int k = 0; k < add; k++) at.add((int) Math.round((k + 1) * (double) total / (add + 1)));
        return new GrowthPlan(20230911, List.of(new MlpExpansion(mlp), new LayerAddition(add, at)));
    }
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
    static void run(String... cmd) throws Exception { new ProcessBuilder(cmd).inheritIO().start().waitFor(); }
    public static void main(String[] a) throws Exception {
        int hidden = Integer.parseInt(a[0]);
        int reps = Integer.parseInt(a[1]);
        String mode = a.length > 2 ? a[2] : "both";
        Path base = Path.of(a.length > 3 ? a[3] : "/tmp/growth-ab");
        Files.createDirectories(base);
        Path in = base.resolve("src"), out = base.resolve("out"), copy = base.resolve("copy");
        TransformerConfig c = SyntheticCheckpoints.llamaShaped(hidden);
        GrowthPlan plan = planFor(c);
        if (!Files.exists(in)) {
            SyntheticCheckpoints.write(in, c, DType.BF16, 20230911, StreamOptions.DEFAULT_SHARD_SIZE);
        }
        System.out.println(c.parameterCount() + " params, load " + Files.readString(Path.of("/proc/loadavg")).trim());
        for (int r = 0; r < reps; r++) {
            if (!mode.equals("mem")) {
                run("rm", "-rf", out.toString(), copy.toString()); run("sync");
                long cpu0 = processCpuNanos();
                long t = System.nanoTime();
                StreamResult res = new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS)
                        .grow(in, plan, out, StreamProgress.NONE);
                double s = (System.nanoTime() - t) / 1e9;
                double cpuS = (processCpuNanos() - cpu0) / 1e9;
                run("sync");
                t = System.nanoTime();
                run("cp", "-r", out.toString(), copy.toString());
                double cp = (System.nanoTime() - t) / 1e9;
                // process CPU (all threads): steadier than the wall clock when other work shares the cores
                System.out.printf("stream %.3f s (cpu %.3f s) cp %.3f s  bytes %d  stream/cp throughput %.2f  load %s%n",
                        s, cpuS, cp, res.fileBytes(), cp / s, Files.readString(Path.of("/proc/loadavg")).trim());
            }
            if (!mode.equals("stream")) {
                Model src = new HfDirectoryFormat().read(in);
                long t = System.nanoTime();
                Model g = new Grower(new CpuPadKernel()).grow(src, plan);
                double s = (System.nanoTime() - t) / 1e9;
                long bytes = g.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
                try (Arena ar = Arena.ofConfined()) {
                    MemorySegment target = ar.allocate(bytes, 64);
                    t = System.nanoTime();
                    long at = 0;
                    for (Tensor x : g.tensors().values()) {
                        MemorySegment.copy(x.data(), 0, target, at, x.byteSize());
                        at += x.byteSize();
                    }
                    double m = (System.nanoTime() - t) / 1e9;
                    System.out.printf("memory %.3f s memcpy %.3f s  ratio %.2f%n", s, m, s / m);
                }
            }
        }
        System.out.println("load " + Files.readString(Path.of("/proc/loadavg")).trim());
    }
}
