package io.grow4j.kernels;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;

/**
 * The operations of a forward pass, over flat row-major float arrays. Every backend (Java CPU, Aparapi, OpenCL)
 * implements the same set and is tested against {@link ScalarKernels}, the plain double-accumulating reference.
 *
 * <p>Weights are passed as the same array objects on every call, so device backends may keep them resident and key
 * their device buffers by array identity; activations change between calls and must be read fresh.
 *
 * <p>Kernels are written in TornadoVM's style (a flat loop whose outer index is the parallel one, or a kernel with
 * global/local ids), so a TornadoVM backend stays a module away.
 */
public interface KernelBackend extends AutoCloseable {

    /** Short backend id: cpu, aparapi, opencl, scalar. */
    String name();

    /** The device it runs on, in words (for bench output and logs). */
    String device();

    /** out[r] = Σ_c w[r·cols + c] · x[c] for r &lt; rows. w is [rows, cols]. */
    void matvec(float[] w, float[] x, float[] out, int rows, int cols);

    /**
     * outs[i] = ws[i] · x for every i, each ws[i] [rows[i], cols]: several projections of one input (Q, K and V; gate
     * and up). A backend may run them as one parallel pass, which saves a synchronisation per projection.
     */
    default void matvecs(float[] x, int cols, float[][] ws, float[][] outs, int[] rows) {
        for (int i = 0; i < ws.length; i++) {
            matvec(ws[i], x, outs[i], rows[i], cols);
        }
    }

    /** c[i, j] = Σ_t a[i·k + t] · b[j·k + t]: a is [m, k] activations, b is [n, k] weights ([out, in]), c is [m, n]. */
    void matmul(float[] a, float[] b, float[] c, int m, int n, int k);

    /**
     * c [m, n] = a [m, k] · b [k, n], b used as stored (BLAS's "NN"): a layer's input gradient dy·W with W [out, in].
     * The default transposes b and calls {@link #matmul}; a backend with a packed kernel reads b in place.
     */
    default void matmulNN(float[] a, float[] b, float[] c, int m, int n, int k) {
        matmul(a, Transpose.of(b, k, n), c, m, n, k);
    }

    /**
     * c [m, n] += aᵀ · b for a [k, m] and b [k, n] (BLAS's "TN", accumulating): a weight gradient dyᵀ·x summed over
     * the k rows of a batch; adding lets a tied embedding and head share one gradient. The default transposes both.
     */
    default void addMatmulTN(float[] a, float[] b, float[] c, int m, int n, int k) {
        float[] product = new float[m * n];
        matmul(Transpose.of(a, k, m), Transpose.of(b, k, n), product, m, n, k);
        for (int i = 0; i < product.length; i++) {
            c[i] += product[i];
        }
    }

    /** out = x / sqrt(mean(x²) + eps) · gain, over n entries. */
    void rmsnorm(float[] out, float[] x, float[] gain, float eps, int n);

    /**
     * Rotates every head of vec (heads × headSize) in place at the given position, pair i by position ×
     * frequencies' inverse frequency i, the pair's dims placed by layout; the rotated pair is multiplied by the
     * frequencies' attention factor (1 but for yarn and longrope), as transformers multiplies cos and sin.
     */
    void rope(float[] vec, int heads, int headSize, int position, RopeFrequencies frequencies, RopeLayout layout);

    /** Plain RoPE: frequency theta^(-2i/headSize) for pair i. */
    default void rope(float[] vec, int heads, int headSize, int position, double theta, RopeLayout layout) {
        rope(vec, heads, headSize, position, RopeFrequencies.plain(theta, headSize), layout);
    }

    /**
     * Causal attention of one query position over cached keys and values of positions 0..position.
     * q: [queryHeads · keySize]; keys: [maxSeq, kvHeads · keySize]; values: [maxSeq, kvHeads · valueSize];
     * out: [queryHeads · valueSize]. Query head h reads kv head h / (queryHeads / kvHeads). Scores are scaled by
     * 1/sqrt(keySize).
     */
    void attention(float[] q, float[] keys, float[] values, float[] out, int position,
                   int queryHeads, int kvHeads, int keySize, int valueSize);

    /** gate[i] = silu(gate[i]) · up[i] for i &lt; n (SwiGLU). */
    void swiglu(float[] gate, float[] up, int n);

    /** x[i] = max(x[i], 0). */
    void relu(float[] x, int n);

    /** x[i] = x[i] · Φ(x[i]) (exact GELU). */
    void gelu(float[] x, int n);

    /** y[i] += x[i] (residual add). */
    void add(float[] y, float[] x, int n);

    /**
     * LayerNorm (GPT-2): out = (x − mean) / sqrt(var + eps) · gain + bias over n entries, var with 1/n. The default
     * runs on the host in double, two passes over x; a backend may override it (it is O(n), far from the hot path).
     */
    default void layernorm(float[] out, float[] x, float[] gain, float[] bias, float eps, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[i];
        }
        double mean = sum / n;
        double squares = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            squares += d * d;
        }
        double inv = 1.0 / Math.sqrt(squares / n + eps);
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((x[i] - mean) * inv * gain[i] + bias[i]);
        }
    }

    /** x[i] = GPT-2's tanh approximation of GELU ("gelu_new"). The default runs on the host in double. */
    default void geluTanh(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = (float) ActivationMath.geluTanh(x[i]);
        }
    }

    /**
     * Runs body over the items [0, items) in ranges, in parallel where the backend has host threads; the default
     * runs it once on the calling thread. For independent pieces of work each too small to split well (a prefill's
     * attention heads): bodies may call this backend's kernels, which then run on the body's own thread. Ranges
     * depend only on items and the backend's thread count.
     *
     * @param workPerItem multiply-adds (or equivalent) per item, to decide whether splitting is worth it
     */
    default void parallelFor(int items, long workPerItem, RangeBody body) {
        body.run(0, items);
    }

    @Override
    default void close() {
    }
}
