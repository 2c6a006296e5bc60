package io.grow4j.train;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

import java.util.SplittableRandom;

/**
 * Training tokens/s of a ~10 M-parameter byte-level llama against the CPU matmul rate measured in the same run (the
 * issue's throughput target: at least 40 %). Model FLOPs per token: 3 × the forward's projection and head FLOPs
 * (forward, input gradient, weight gradient); attention's T² work is left out, as in the usual 6·N estimate.
 * Usage: {@code TrainingThroughput [batch] [context] [steps]}.
 */
public final class TrainingThroughput {
    private TrainingThroughput() {
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int context = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        TransformerConfig config = new TransformerConfig(Architecture.LLAMA, ByteTokenizer.VOCAB_SIZE, 384, 6,
                context, new AttentionConfig(8, 4, 48, 48, false), new MlpConfig(1024, Activation.SWIGLU, false),
                1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
        try (CpuKernels cpu = new CpuKernels()) {
            Parameters params = InitialWeights.create(config, 1);
            Parameters grads = Parameters.zeros(config);
            TrainingPass pass = new TrainingPass(config, cpu);
            AdamW adam = AdamW.fresh(AdamW.Settings.defaults(), config);
            int[] stream = new SplittableRandom(2).ints(100_000, 0, 256).toArray();
            SplittableRandom random = new SplittableRandom(3);
            Matmul matmul = Matmul.of(cpu, batch * context, config.hidden(), config.mlp().size());
            double trainSeconds = 0;
            double matmulSeconds = 0;
            double trainCpu = 0;
            double matmulCpu = 0;
            // Interleaved, A B A B: on a shared machine both see the same load. The first rounds are untimed (JIT).
            for (int step = -2; step < steps; step++) {
                Windows w = Windows.sample(stream, batch, context, random);
                long start = System.nanoTime();
                long cpuStart = processCpuNanos();
                pass.lossAndGradients(params, w.inputs(), w.targets(), grads);
                adam.update(params, grads, 1e-3);
                long mid = System.nanoTime();
                long cpuMid = processCpuNanos();
                matmul.run();
                long end = System.nanoTime();
                long cpuEnd = processCpuNanos();
                if (step >= 0) {
                    trainSeconds += (mid - start) / 1e9;
                    matmulSeconds += (end - mid) / 1e9;
                    trainCpu += (cpuMid - cpuStart) / 1e9;
                    matmulCpu += (cpuEnd - cpuMid) / 1e9;
                }
            }
            long tokens = (long) steps * batch * context;
            double modelRate = 3.0 * pass.matmulFlopsPerToken() * tokens / trainSeconds / 1e9;
            double matmulRate = matmul.flops() * steps / matmulSeconds / 1e9;
            System.out.printf("parameters %d, batch %d × context %d, %d timed steps, %d threads%n",
                    params.arrays().values().stream().mapToLong(a -> a.length).sum(), batch, context, steps,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf("training: %.0f tokens/s, %.2f GFLOP/s of model matmul work%n", tokens / trainSeconds,
                    modelRate);
            System.out.printf("cpu matmul [%d × %d]·[%d × %d]ᵀ, interleaved with the steps: %.2f GFLOP/s; "
                            + "utilisation %.0f %%%n", batch * context, config.hidden(), config.mlp().size(),
                    config.hidden(), matmulRate, 100 * modelRate / matmulRate);
            // Per CPU second of this process, a figure that a busy machine's waits for descheduled threads do not
            // enter (a pool thread waiting at a join parks, so it spends no CPU).
            double modelPerCpu = 3.0 * pass.matmulFlopsPerToken() * tokens / trainCpu / 1e9;
            double matmulPerCpu = matmul.flops() * steps / matmulCpu / 1e9;
            System.out.printf("per CPU second of the process: training %.2f, matmul %.2f GFLOP; utilisation %.0f %%%n",
                    modelPerCpu, matmulPerCpu, 100 * modelPerCpu / matmulPerCpu);
            System.out.println("load average (1, 5, 15 min) at the end: " + loadAverage());
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            String[] fields = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The forward's most common shape, rows × hidden against mlp × hidden, run a few times per round so that one
     * round's matmul time is of the order of a training step's.
     */
    private record Matmul(CpuKernels cpu, float[] a, float[] b, float[] c, int m, int n, int k, int repeats) {
        static Matmul of(CpuKernels cpu, int m, int k, int n) {
            SplittableRandom random = new SplittableRandom(4);
            float[] a = new float[m * k];
            float[] b = new float[n * k];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextDouble();
            }
            return new Matmul(cpu, a, b, new float[m * n], m, n, k, 10);
        }

        void run() {
            for (int r = 0; r < repeats; r++) {
                cpu.matmul(a, b, c, m, n, k);
            }
        }

        double flops() {
            return 2.0 * m * n * k * repeats;
        }
    }
}
