package io.grow4j.train;

import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The double reference backward against central finite differences, on every parameter of tiny random models. */
class ReferenceTrainingTest {
    /** Central differences err by h²·f'''/6 ≈ 1e-10 and by rounding ε·loss/h ≈ 1e-11: far below the 1e-6 bound. */
    private static final double STEP = 1e-5;
    private static final double BOUND = 1e-6;

    @Test
    void gradientsMatchFiniteDifferencesInterleavedUntied() {
        checkGradients(TinyModels.llama(13, 8, 2, 6, RopeLayout.INTERLEAVED, false), 11);
    }

    @Test
    void gradientsMatchFiniteDifferencesHalfSplitTied() {
        checkGradients(TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, true), 12);
    }

    @Test
    void gpt2GradientsMatchFiniteDifferencesTied() {
        checkGradients(TinyModels.gpt2(13, 8, 2, 6, true), 13);
    }

    @Test
    void gpt2GradientsMatchFiniteDifferencesUntied() {
        checkGradients(TinyModels.gpt2(13, 8, 2, 6, false), 14);
    }

    /** Q, K and V biases under RoPE (Qwen2's parts). */
    @Test
    void qwen2GradientsMatchFiniteDifferences() {
        checkGradients(TinyModels.qwen2(13, 8, 2, 6), 15);
    }

    /** Per-head QK-norm before RoPE (Qwen3's parts). */
    @Test
    void qwen3GradientsMatchFiniteDifferences() {
        checkGradients(TinyModels.qwen3(13, 8, 2, 6), 17);
    }

    /** The ungated MLP with exact GELU and with ReLU, on GPT-2's other parts. */
    @Test
    void otherActivationsGradientsMatchFiniteDifferences() {
        for (Activation activation : List.of(Activation.GELU, Activation.RELU)) {
            TransformerConfig gpt2 = TinyModels.gpt2(13, 8, 1, 5, true);
            checkGradients(gpt2.withMlp(new MlpConfig(gpt2.mlp().size(), activation, true)), 16);
        }
    }

    /** RoPE scaling (llama3, linear, yarn), partial rotary and layers without RoPE: only the angles change. */
    @Test
    void ropeVariantsGradientsMatchFiniteDifferences() {
        for (Positions.Rope rope : TinyModels.ropeVariants()) {
            checkGradients(TinyModels.llamaWith(13, 16, 2, 6, rope), 18);
        }
    }

    /** Norms after each branch and QK-norm over the whole projection (OLMo-2's parts). */
    @Test
    void olmo2GradientsMatchFiniteDifferences() {
        checkGradients(TinyModels.olmo2(13, 8, 2, 6), 19);
    }

    /** Parallel and sequential residual with LayerNorm, biases, exact GELU and partial rotary (GPT-NeoX's parts). */
    @Test
    void neoxGradientsMatchFiniteDifferences() {
        checkGradients(TinyModels.neox(13, 8, 2, 6, true), 20);
        checkGradients(TinyModels.neox(13, 8, 2, 6, false), 21);
    }

    @Test
    void ropeVariantsLogitsEqualTheInferenceReference() {
        for (Positions.Rope rope : TinyModels.ropeVariants()) {
            logitsEqualTheInferenceReference(TinyModels.llamaWith(13, 16, 2, 6, rope));
        }
    }

    @Test
    void logitsEqualTheInferenceReference() {
        for (TransformerConfig config : List.of(TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, false),
                TinyModels.gpt2(13, 8, 2, 6, true), TinyModels.qwen2(13, 8, 2, 6), TinyModels.qwen3(13, 8, 2, 6),
                TinyModels.olmo2(13, 8, 2, 6), TinyModels.neox(13, 8, 2, 6, true),
                TinyModels.neox(13, 8, 2, 6, false))) {
            logitsEqualTheInferenceReference(config);
        }
    }

    private static void logitsEqualTheInferenceReference(TransformerConfig config) {
        Model model = RandomModels.create(config, DType.F64, 3);
        int[][] inputs = TinyModels.tokens(2, 6, 13, 4);
        double[][][] logits = new ReferenceTraining(config).run(ReferenceTraining.weightsOf(model), inputs, inputs,
                false).logits();
        ReferenceForward inference = new ReferenceForward(model);
        for (int s = 0; s < inputs.length; s++) {
            double[][] want = inference.logits(inputs[s]);
            for (int t = 0; t < want.length; t++) {
                for (int v = 0; v < want[t].length; v++) {
                    assertEquals(want[t][v], logits[s][t][v], 1e-12, config.architecture().id() + " sequence " + s
                            + " position " + t);
                }
            }
        }
    }

    private static void checkGradients(TransformerConfig config, long seed) {
        Model model = RandomModels.create(config, DType.F64, seed);
        Map<TensorKey, double[]> weights = ReferenceTraining.weightsOf(model);
        int[][] inputs = TinyModels.tokens(2, config.maxSeqLen(), config.vocabSize(), seed + 1);
        int[][] targets = TinyModels.tokens(2, config.maxSeqLen(), config.vocabSize(), seed + 2);
        ReferenceTraining training = new ReferenceTraining(config);
        Map<TensorKey, double[]> grads = training.run(weights, inputs, targets, true).gradients();
        double worst = 0;
        String worstTensor = "";
        for (Map.Entry<TensorKey, double[]> e : weights.entrySet()) {
            double[] w = e.getValue();
            double[] analytic = grads.get(e.getKey());
            double[] numeric = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                double saved = w[i];
                w[i] = saved + STEP;
                double plus = training.run(weights, inputs, targets, false).loss();
                w[i] = saved - STEP;
                double minus = training.run(weights, inputs, targets, false).loss();
                w[i] = saved;
                numeric[i] = (plus - minus) / (2 * STEP);
            }
            double error = GradientErrors.relative(e.getKey(), numeric, analytic, grads);
            String what = config.architecture().id() + " " + config.mlp().activation() + " " + config.positions()
                    + " " + e.getKey();
            if (!(error <= BOUND)) {
                fail(what + ": relative gradient error " + error + " > " + BOUND);
            }
            if (error > worst) {
                worst = error;
                worstTensor = what;
            }
        }
        System.err.printf("finite differences: worst relative error %.2e at %s%n", worst, worstTensor);
    }
}
