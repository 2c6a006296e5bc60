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
            double matmulBefore = matmulGflops(cpu, batch * context, config.hidden(), config.mlp().size());
            double seconds = 0;
            for (int step = -2; step < steps; step++) {
                Windows w = Windows.sample(stream, batch, context, random);
                long start = System.nanoTime();
                pass.lossAndGradients(params, w.inputs(), w.targets(), grads);
                adam.update(params, grads, 1e-3);
                if (step >= 0) {
                    seconds += (System.nanoTime() - start) / 1e9;
                }
            }
            long tokens = (long) steps * batch * context;
            double modelFlops = 3.0 * pass.matmulFlopsPerToken() * tokens;
            double matmulRate = (matmulBefore
                    + matmulGflops(cpu, batch * context, config.hidden(), config.mlp().size())) / 2;
            System.out.printf("parameters %d, batch %d × context %d, %d timed steps%n",
                    params.arrays().values().stream().mapToLong(a -> a.length).sum(), batch, context, steps);
            System.out.printf("training: %.0f tokens/s, %.2f GFLOP/s of model matmul work%n", tokens / seconds,
                    modelFlops / seconds / 1e9);
            System.out.printf("cpu matmul [%d × %d]·[%d × %d]ᵀ, mean before and after: %.2f GFLOP/s; utilisation %.0f %%%n",
                    batch * context, config.hidden(), config.mlp().size(), config.hidden(), matmulRate,
                    100 * modelFlops / seconds / 1e9 / matmulRate);
        }
    }

    /**
     * Mean rate over a few runs of the forward's most common shape, rows × hidden against mlp × hidden: the mean,
     * not the best, so that on a shared machine it sees the same load as the training steps it is compared with.
     */
    private static double matmulGflops(CpuKernels cpu, int m, int k, int n) {
        SplittableRandom random = new SplittableRandom(4);
        float[] a = new float[m * k];
        float[] b = new float[n * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble();
        }
        float[] c = new float[m * n];
        cpu.matmul(a, b, c, m, n, k);
        int runs = 10;
        long start = System.nanoTime();
        for (int run = 0; run < runs; run++) {
            cpu.matmul(a, b, c, m, n, k);
        }
        return 2.0 * m * n * k * runs / ((System.nanoTime() - start) / 1e9) / 1e9;
    }
}
