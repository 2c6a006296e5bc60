package io.grow4j.kernels.forward;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.grow4j.kernels.Close.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fused gated step over ranges equals the unfused bias adds and activation of the CPU backend bit for bit (what
 * decoding did before the step moved into the products' pass, and what prefill still does).
 */
class GatedStepTest {
    private static final int N = 203;
    private final SplittableRandom random = new SplittableRandom(5);

    @Test
    void rangesEqualTheBackendsBiasAddsAndActivation() {
        try (CpuKernels cpu = new CpuKernels(1)) {
            for (Activation activation : new Activation[] {Activation.SWIGLU, Activation.GEGLU_TANH}) {
                for (boolean biases : new boolean[] {false, true}) {
                    float[] gate = randomFloats(random, N, 4);
                    float[] up = randomFloats(random, N, 4);
                    float[] upBias = biases ? randomFloats(random, N, 1) : null;
                    float[] gateBias = biases ? randomFloats(random, N, 1) : null;
                    float[] wantGate = gate.clone();
                    float[] wantUp = up.clone();
                    if (biases) {
                        cpu.add(wantUp, upBias, N);
                        cpu.add(wantGate, gateBias, N);
                    }
                    if (activation == Activation.SWIGLU) {
                        cpu.swiglu(wantGate, wantUp, N);
                    } else {
                        cpu.geluTanh(wantGate, N);
                        for (int i = 0; i < N; i++) {
                            wantGate[i] *= wantUp[i];
                        }
                    }
                    GatedStep step = new GatedStep(activation, gate, up, upBias, gateBias);
                    for (int from = 0; from < N; from += 17) {
                        step.run(from, Math.min(N, from + 17));
                    }
                    for (int i = 0; i < N; i++) {
                        String what = activation + (biases ? " with biases" : "") + ", entry " + i;
                        assertEquals(Float.floatToRawIntBits(wantUp[i]), Float.floatToRawIntBits(up[i]), what);
                        assertEquals(Float.floatToRawIntBits(wantGate[i]), Float.floatToRawIntBits(gate[i]), what);
                    }
                }
            }
        }
    }

    @Test
    void anUngatedActivationIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new GatedStep(Activation.RELU, new float[1], new float[1], null, null));
    }
}
