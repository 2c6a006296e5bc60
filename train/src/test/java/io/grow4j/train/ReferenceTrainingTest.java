package io.grow4j.train;

import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

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
    void logitsEqualTheInferenceReference() {
        TransformerConfig config = TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, false);
        Model model = RandomModels.create(config, DType.F64, 3);
        int[][] inputs = TinyModels.tokens(2, 6, 13, 4);
        double[][][] logits = new ReferenceTraining(config).run(ReferenceTraining.weightsOf(model), inputs, inputs,
                false).logits();
        ReferenceForward inference = new ReferenceForward(model);
        for (int s = 0; s < inputs.length; s++) {
            double[][] want = inference.logits(inputs[s]);
            for (int t = 0; t < want.length; t++) {
                for (int v = 0; v < want[t].length; v++) {
                    assertEquals(want[t][v], logits[s][t][v], 1e-12, "sequence " + s + " position " + t);
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
            double error = GradientErrors.relative(numeric, analytic);
            if (!(error <= BOUND)) {
                fail(e.getKey() + ": relative gradient error " + error + " > " + BOUND);
            }
        }
    }
}
