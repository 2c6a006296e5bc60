package io.grow4j.train;

import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded weights to train from, GPT-2's scheme: matrices normal with standard deviation 0.02, the projections that
 * write into the residual stream (Wo, Wdown) scaled by 1/√(2·layers) so the stream's variance does not grow with
 * depth, norm gains one, biases zero. Logits start near zero, so the first loss is near ln(vocab). (RandomModels'
 * unit-scale weights suit function tests but start training at a loss far above that.)
 */
public final class InitialWeights {
    private static final double STD = 0.02;

    private InitialWeights() {
    }

    public static Parameters create(TransformerConfig config, long seed) {
        TrainingSupport.check(config);
        SplittableRandom random = new SplittableRandom(seed);
        double residualStd = STD / Math.sqrt(2.0 * Math.max(1, config.layers()));
        Map<TensorKey, float[]> arrays = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            float[] a = new float[Math.toIntExact(Tensor.elementCount(key.role().shape(config)))];
            SplittableRandom r = random.split();
            if (key.role().isNorm()) {
                Arrays.fill(a, 1f);
            } else if (key.role().axes().size() > 1) {
                double std = key.role() == Role.WO || key.role() == Role.W_DOWN ? residualStd : STD;
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (std * gaussian(r));
                }
            } // else a bias (of a linear layer or a LayerNorm): zero, as GPT-2 and nanoGPT start them
            arrays.put(key, a);
        }
        return new Parameters(config, arrays);
    }

    /** Box–Muller on the split generator, so the draw is the same on every JDK (unlike nextGaussian's contract). */
    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
