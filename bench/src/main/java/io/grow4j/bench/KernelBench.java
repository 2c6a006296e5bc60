package io.grow4j.bench;

import io.grow4j.kernels.KernelBackend;

import java.util.List;
import java.util.SplittableRandom;

/** matmul, matvec and attention on one backend, with the FLOP counts their throughputs are computed from. */
public final class KernelBench {
    private final BenchShapes shapes;
    private final Timer timer;

    public KernelBench(BenchShapes shapes, Timer timer) {
        this.shapes = shapes;
        this.timer = timer;
    }

    public List<BenchResult> run(KernelBackend backend) {
        return List.of(matmul(backend), matvec(backend), attention(backend));
    }

    BenchResult matmul(KernelBackend backend) {
        int n = shapes.matmul();
        float[] a = random(n * n, 1);
        float[] b = random(n * n, 2);
        float[] c = new float[n * n];
        double seconds = timer.median(() -> backend.matmul(a, b, c, n, n, n));
        return BenchResult.compute("matmul", n + "x" + n + "x" + n, backend.name(), backend.device(), seconds,
                2.0 * n * n * n);
    }

    BenchResult matvec(KernelBackend backend) {
        int n = shapes.matvec();
        float[] w = random(n * n, 3);
        float[] x = random(n, 4);
        float[] out = new float[n];
        double seconds = timer.median(() -> backend.matvec(w, x, out, n, n));
        return BenchResult.compute("matvec", n + "x" + n, backend.name(), backend.device(), seconds, 2.0 * n * n);
    }

    /** A whole causal pass: one call per query position 0..seq-1, as decoding a sequence does. */
    BenchResult attention(KernelBackend backend) {
        int seq = shapes.attentionSeq();
        int heads = shapes.attentionHeads();
        int d = shapes.headSize();
        float[] q = random(heads * d, 5);
        float[] keys = random(seq * heads * d, 6);
        float[] values = random(seq * heads * d, 7);
        float[] out = new float[heads * d];
        double seconds = timer.median(() -> {
            for (int p = 0; p < seq; p++) {
                backend.attention(q, keys, values, out, p, heads, heads, d, d);
            }
        });
        double flops = 4.0 * heads * d * seq * (seq + 1) / 2.0;
        return BenchResult.compute("attention", "seq " + seq + ", " + heads + " heads x " + d, backend.name(),
                backend.device(), seconds, flops);
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return out;
    }
}
