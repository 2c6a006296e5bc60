package io.grow4j.train;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The float32 batched training pass against the double reference backward and the inference forward passes. */
class TrainingPassTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    /** Inference bound of the float forward passes (DESIGN.md section 4): max |Δlogit| ≤ 1e-5 × max |logit|. */
    private static final double LOGIT_BOUND = 1e-5;
    private static final double GRADIENT_BOUND = 1e-4;

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void gradientsMatchReferenceInterleavedUntied() {
        checkGradients(TinyModels.llama(50, 32, 2, 12, RopeLayout.INTERLEAVED, false), 21);
    }

    @Test
    void gradientsMatchReferenceHalfSplitTied() {
        checkGradients(TinyModels.llama(50, 32, 2, 12, RopeLayout.HALF_SPLIT, true), 22);
    }

    @Test
    void gpt2GradientsMatchReferenceTied() {
        checkGradients(TinyModels.gpt2(50, 32, 2, 12, true), 23);
    }

    @Test
    void gpt2GradientsMatchReferenceUntied() {
        checkGradients(TinyModels.gpt2(50, 32, 2, 12, false), 24);
    }

    @Test
    void qwen2GradientsMatchReference() {
        checkGradients(TinyModels.qwen2(50, 32, 2, 12), 25);
    }

    @Test
    void qwen3GradientsMatchReference() {
        checkGradients(TinyModels.qwen3(50, 32, 2, 12), 26);
    }

    /** RoPE scaling (llama3, linear, yarn), partial rotary and layers without RoPE. */
    @Test
    void ropeVariantsGradientsMatchReference() {
        for (Positions.Rope rope : TinyModels.ropeVariants()) {
            checkGradients(TinyModels.llamaWith(50, 32, 2, 12, rope), 27);
        }
    }

    @Test
    void olmo2GradientsMatchReference() {
        checkGradients(TinyModels.olmo2(50, 32, 2, 12), 28);
    }

    @Test
    void neoxGradientsMatchReference() {
        checkGradients(TinyModels.neox(50, 32, 2, 12, true), 29);
        checkGradients(TinyModels.neox(50, 32, 2, 12, false), 30);
    }

    /** OLMo-2's post-branch norms and whole-projection QK-norm, GPT-NeoX's parallel and sequential residual. */
    @Test
    void olmo2AndNeoxLogitsMatchTheInferenceForwardPasses() {
        logitsMatchTheInferenceForwardPasses(TinyModels.olmo2(60, 32, 2, 16));
        logitsMatchTheInferenceForwardPasses(TinyModels.neox(60, 32, 2, 16, true));
        logitsMatchTheInferenceForwardPasses(TinyModels.neox(60, 32, 2, 16, false));
    }

    @Test
    void ropeVariantsLogitsMatchTheInferenceForwardPasses() {
        for (Positions.Rope rope : TinyModels.ropeVariants()) {
            logitsMatchTheInferenceForwardPasses(TinyModels.llamaWith(60, 32, 2, 16, rope));
        }
    }

    @Test
    void logitsMatchTheInferenceForwardPasses() {
        for (RopeLayout layout : RopeLayout.values()) {
            logitsMatchTheInferenceForwardPasses(TinyModels.llama(60, 32, 2, 16, layout,
                    layout == RopeLayout.INTERLEAVED));
        }
    }

    /**
     * GPT-2's LayerNorm, learned positions, biases and gelu_new, Qwen2's QKV biases, Qwen3's QK-norm: the training
     * forward is the inference one.
     */
    @Test
    void gpt2AndQwenLogitsMatchTheInferenceForwardPasses() {
        logitsMatchTheInferenceForwardPasses(TinyModels.gpt2(60, 32, 2, 16, true));
        logitsMatchTheInferenceForwardPasses(TinyModels.qwen2(60, 32, 2, 16));
        logitsMatchTheInferenceForwardPasses(TinyModels.qwen3(60, 32, 2, 16));
    }

    private static void logitsMatchTheInferenceForwardPasses(TransformerConfig config) {
        String family = config.architecture().id() + " " + config.positions();
        Model model = RandomModels.create(config, DType.F32, 31);
        int[][] inputs = TinyModels.tokens(3, 16, 60, 32);
        float[] logits = new TrainingPass(config, CPU).logits(Parameters.of(model), inputs);
        ReferenceForward reference = new ReferenceForward(model);
        ForwardPass inference = new ForwardPass(model, CPU);
        for (int s = 0; s < inputs.length; s++) {
            double[][] want = reference.logits(inputs[s]);
            float[][] fast = inference.logits(inputs[s]);
            assertClose(want, logits, s, family + " training vs reference, sequence " + s);
            double[][] fastAsDouble = new double[fast.length][];
            for (int t = 0; t < fast.length; t++) {
                fastAsDouble[t] = toDouble(fast[t]);
            }
            assertClose(fastAsDouble, logits, s, family + " training vs inference pass, sequence " + s);
        }
    }

    @Test
    void lossIsTheForwardOfLossAndGradients() {
        TransformerConfig config = TinyModels.llama(50, 32, 1, 8, RopeLayout.HALF_SPLIT, false);
        Parameters params = Parameters.of(RandomModels.create(config, DType.F32, 5));
        int[][] inputs = TinyModels.tokens(2, 8, 50, 6);
        int[][] targets = TinyModels.tokens(2, 8, 50, 7);
        TrainingPass pass = new TrainingPass(config, CPU);
        assertEquals(pass.loss(params, inputs, targets),
                pass.lossAndGradients(params, inputs, targets, Parameters.zeros(config)), 0.0);
    }

    private static void checkGradients(TransformerConfig config, long seed) {
        Model model = RandomModels.create(config, DType.F32, seed);
        int[][] inputs = TinyModels.tokens(3, config.maxSeqLen(), config.vocabSize(), seed + 1);
        int[][] targets = TinyModels.tokens(3, config.maxSeqLen(), config.vocabSize(), seed + 2);
        ReferenceTraining.Result want = new ReferenceTraining(config).run(ReferenceTraining.weightsOf(model), inputs,
                targets, true);
        Parameters grads = Parameters.zeros(config);
        double loss = new TrainingPass(config, CPU).lossAndGradients(Parameters.of(model), inputs, targets, grads);
        assertEquals(want.loss(), loss, 1e-5 * want.loss(), "loss");
        double worst = 0;
        String worstTensor = "";
        for (Map.Entry<TensorKey, float[]> e : grads.arrays().entrySet()) {
            double error = GradientErrors.relative(e.getKey(), want.gradients().get(e.getKey()),
                    toDouble(e.getValue()), want.gradients());
            String what = config.architecture().id() + " " + config.positions() + " " + e.getKey();
            if (!(error <= GRADIENT_BOUND)) {
                fail(what + ": relative error against the reference " + error + " > " + GRADIENT_BOUND);
            }
            if (error > worst) {
                worst = error;
                worstTensor = what;
            }
        }
        System.err.printf("float32 against the reference: worst relative error %.2e at %s%n", worst, worstTensor);
    }

    private static void assertClose(double[][] want, float[] logits, int sequence, String what) {
        int vocab = want[0].length;
        double scale = 0;
        double worst = 0;
        for (int t = 0; t < want.length; t++) {
            for (int v = 0; v < vocab; v++) {
                double got = logits[(sequence * want.length + t) * vocab + v];
                scale = Math.max(scale, Math.abs(want[t][v]));
                worst = Math.max(worst, Math.abs(got - want[t][v]));
            }
        }
        if (!(worst <= LOGIT_BOUND * scale)) {
            fail(what + ": max |Δlogit| " + worst + " > " + LOGIT_BOUND + " × max|logit| " + scale);
        }
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
