package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
import io.grow4j.kernels.RangeBody;
import io.grow4j.kernels.TensorKernels;
import io.grow4j.model.Activation;

/**
 * A gated MLP's entrywise step after its up and gate products, over entries [from, to): up += bUp, gate += bGate,
 * then gate ← act(gate) · up (SwiGLU: SiLU; Gemma's GeGLU: tanh GELU). Run on each thread's rows inside the products'
 * parallel pass ({@link TensorKernels#matvecsThen}), it spares decoding a step on one thread while the others wait.
 * Its arithmetic is {@link ActivationMath}'s, which the CPU backend's swiglu and geluTanh use too, so it equals the
 * separate bias adds and activation bit for bit.
 *
 * @param gate     Wgate·x, [mlp], overwritten with the activated product
 * @param up       Wup·x, [mlp]
 * @param upBias   [mlp] or null
 * @param gateBias [mlp] or null
 */
record GatedStep(Activation activation, float[] gate, float[] up, float[] upBias, float[] gateBias)
        implements RangeBody {
    GatedStep {
        if (!activation.gated()) {
            throw new IllegalArgumentException(activation + " is not a gated activation");
        }
    }

    @Override
    public void run(int from, int to) {
        addBias(up, upBias, from, to);
        addBias(gate, gateBias, from, to);
        switch (activation) {
            case SWIGLU -> {
                for (int i = from; i < to; i++) {
                    gate[i] = ActivationMath.swiglu(gate[i], up[i]);
                }
            }
            case GEGLU_TANH -> {
                for (int i = from; i < to; i++) {
                    gate[i] = ActivationMath.gegluTanh(gate[i], up[i]);
                }
            }
            default -> throw new IllegalStateException("no gated step for " + activation);
        }
    }

    private static void addBias(float[] out, float[] bias, int from, int to) {
        if (bias != null) {
            for (int i = from; i < to; i++) {
                out[i] += bias[i];
            }
        }
    }
}
