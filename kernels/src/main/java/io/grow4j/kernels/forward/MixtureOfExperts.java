package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.MlpConfig;

import java.util.Arrays;

/**
 * The float pass's mixture-of-experts MLP for one position (Mixtral's sparse block): router logits on the backend,
 * the choice and weights by {@link Routing} in double, then each chosen SwiGLU expert on the backend, its output
 * added with its weight. Experts are {@link Weight}s over slices of the stacked tensors, read in place where the
 * backend can. Holds its own scratch buffers, so one instance serves one session row.
 */
final class MixtureOfExperts {
    private final KernelBackend backend;
    private final int hidden;
    private final MlpConfig mlp;
    private final float[] routerLogits;
    private final double[] logits;
    private final float[] gate;
    private final float[] up;
    private final float[] expertOut;

    MixtureOfExperts(KernelBackend backend, int hidden, MlpConfig mlp) {
        this.backend = backend;
        this.hidden = hidden;
        this.mlp = mlp;
        this.routerLogits = new float[mlp.experts()];
        this.logits = new double[mlp.experts()];
        this.gate = new float[mlp.size()];
        this.up = new float[mlp.size()];
        this.expertOut = new float[hidden];
    }

    /** out (hidden) ← Σ over the chosen experts e of weight_e · down_e(silu(gate_e · in) ⊙ (up_e · in)). */
    void apply(ExpertArrays<Weight> w, float[] in, float[] out) {
        w.router().matvec(backend, in, routerLogits);
        for (int e = 0; e < logits.length; e++) {
            logits[e] = routerLogits[e];
        }
        int[] chosen = Routing.topK(logits, mlp.topK());
        double[] weights = Routing.weights(logits, chosen);
        Arrays.fill(out, 0, hidden, 0f);
        for (int i = 0; i < chosen.length; i++) {
            int e = chosen[i];
            Weight.matvecs(backend, in, new Weight[] {w.up().get(e), w.gate().get(e)}, new float[][] {up, gate});
            backend.swiglu(gate, up, mlp.size());
            w.down().get(e).matvec(backend, gate, expertOut);
            float weight = (float) weights[i];
            for (int j = 0; j < hidden; j++) {
                out[j] += weight * expertOut[j];
            }
        }
    }
}
