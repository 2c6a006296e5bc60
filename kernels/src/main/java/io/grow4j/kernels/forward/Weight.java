package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.TensorKernels;
import io.grow4j.model.Tensor;

/**
 * One weight of a float32 pass. Backends with {@link TensorKernels} read matrices in place from the tensor (a slice
 * of the mapped file, in its stored dtype); others get a float copy, made on first use and then the same array object
 * on every call (device backends key their buffers by it). Vectors (gains, biases) are always small float copies.
 */
final class Weight {
    private final Tensor tensor;
    // Volatile, each published only once filled: a prefill's per-row steps read them from several threads at once
    // (two threads converting at the same time both get the same values).
    private volatile float[] floats;
    private volatile float[] offsetGain;

    Weight(Tensor tensor) {
        this.tensor = tensor;
    }

    Tensor tensor() {
        return tensor;
    }

    /** True once a float copy of the values exists (what a pass on an in-place backend must avoid for matrices). */
    boolean copied() {
        return floats != null;
    }

    /** The values as float32, converted once. */
    float[] floats() {
        float[] f = floats;
        if (f == null) {
            f = tensor.toFloatArray();
            floats = f;
        }
        return f;
    }

    /**
     * The values as norm gains offset + w in float32 (offset 1 for Gemma's (1 + w) norms, as HF adds 1 to the
     * float32 weight), converted once; the plain values for offset 0.
     */
    float[] gain(double offset) {
        if (offset == 0) {
            return floats();
        }
        float[] g = offsetGain;
        if (g == null) {
            g = floats().clone();
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) offset + g[i];
            }
            offsetGain = g;
        }
        return g;
    }

    /** out ← row r of this [rows, out.length] matrix (an embedding lookup), read in place. */
    void row(int r, float[] out) {
        long first = (long) r * out.length;
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) tensor.get(first + i);
        }
    }

    /** True when backend reads this tensor in place (no float copy). */
    boolean inPlace(KernelBackend backend) {
        return backend instanceof TensorKernels && TensorKernels.READABLE.contains(tensor.dtype());
    }

    /** out = W · x, W (out.length, x.length). */
    void matvec(KernelBackend backend, float[] x, float[] out) {
        if (inPlace(backend)) {
            ((TensorKernels) backend).matvec(tensor, x, out);
        } else {
            backend.matvec(floats(), x, out, out.length, x.length);
        }
    }

    /** outs[i] = ws[i] · x, in one parallel pass where the backend can (Q, K and V; gate and up). */
    static void matvecs(KernelBackend backend, float[] x, Weight[] ws, float[][] outs) {
        boolean inPlace = java.util.Arrays.stream(ws).allMatch(w -> w.inPlace(backend));
        if (inPlace) {
            Tensor[] tensors = java.util.Arrays.stream(ws).map(Weight::tensor).toArray(Tensor[]::new);
            ((TensorKernels) backend).matvecs(tensors, x, outs);
        } else {
            float[][] arrays = java.util.Arrays.stream(ws).map(Weight::floats).toArray(float[][]::new);
            int[] rows = java.util.Arrays.stream(outs).mapToInt(o -> o.length).toArray();
            backend.matvecs(x, x.length, arrays, outs, rows);
        }
    }

    /** c = a · Wᵀ: a is [m, k] activations, W is [n, k], c is [m, n]. */
    void matmul(KernelBackend backend, float[] a, int m, float[] c) {
        if (inPlace(backend)) {
            ((TensorKernels) backend).matmul(a, m, tensor, c);
        } else {
            backend.matmul(a, floats(), c, m, (int) tensor.dim(0), (int) tensor.dim(1));
        }
    }
}
