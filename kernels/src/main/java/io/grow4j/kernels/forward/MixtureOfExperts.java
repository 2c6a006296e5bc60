package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
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
        // the backend reads a vector's length as a matrix dimension: the shared expert gets buffers of its own width
        this.sharedGate = new float[mlp.sharedSize()];
        this.sharedUp = new float[mlp.sharedSize()];
        this.sharedGateLogit = new float[1];
    }

    private final float[] sharedGate;
    private final float[] sharedUp;
    private final float[] sharedGateLogit;

    /**
     * out (hidden) ← Σ over the chosen experts e of weight_e · down_e(silu(gate_e · in) ⊙ (up_e · in)), plus, with a
     * shared expert (Qwen2-MoE), sigmoid(g · in) · shared(in).
     */
    void apply(ExpertArrays<Weight> w, float[] in, float[] out) {
        w.router().matvec(backend, in, routerLogits);
        for (int e = 0; e < logits.length; e++) {
            logits[e] = routerLogits[e];
        }
        int[] chosen = Routing.topK(logits, mlp.topK());
        double[] weights = Routing.weights(logits, chosen, mlp.normTopK());
        Arrays.fill(out, 0, hidden, 0f);
        for (int i = 0; i < chosen.length; i++) {
            int e = chosen[i];
            expert(w.gate().get(e), w.up().get(e), w.down().get(e), in, gate, up);
            add(out, (float) weights[i]);
        }
        ExpertArrays.Shared<Weight> shared = w.shared();
        if (shared != null) {
            shared.outputGate().matvec(backend, in, sharedGateLogit);
            expert(shared.gate(), shared.up(), shared.down(), in, sharedGate, sharedUp);
            add(out, (float) ActivationMath.sigmoid(sharedGateLogit[0]));
        }
    }

    /** expertOut ← down · (silu(gate · in) ⊙ (up · in)), through scratch g and u of the expert's inner width. */
    private void expert(Weight gateW, Weight upW, Weight downW, float[] in, float[] g, float[] u) {
        Weight.matvecs(backend, in, new Weight[] {upW, gateW}, new float[][] {u, g});
        backend.swiglu(g, u, g.length);
        downW.matvec(backend, g, expertOut);
    }

    private void add(float[] out, float weight) {
        for (int j = 0; j < hidden; j++) {
            out[j] += weight * expertOut[j];
        }
    }
}
