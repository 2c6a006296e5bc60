package io.grow4j.model;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Seeded random models of any config: the demo's default model and the tests' fixtures. Linear weights are
 * uniform with standard deviation 1/sqrt(fan-in), so activations and logits keep unit scale at any size; norm
 * gains are near one; embeddings have unit scale.
 */
public final class RandomModels {
    private RandomModels() {
    }

    public static Model create(TransformerConfig config, DType dtype, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<TensorKey, Tensor> tensors = new TreeMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            tensors.put(key, randomTensor(key.role(), config, dtype, random.split()));
        }
        return new Model(config, tensors);
    }

    private static Tensor randomTensor(Role role, TransformerConfig config, DType dtype, SplittableRandom random) {
        long[] shape = role.shape(config);
        Tensor t = Tensor.allocate(dtype, shape);
        double center = role.isNorm() ? 1.0 : 0.0;
        double std = switch (role) {
            case TOKEN_EMBEDDING, POSITION_EMBEDDING, TOKEN_TYPE_EMBEDDING -> 1.0;
            case ATTENTION_NORM, MLP_NORM, FINAL_NORM, EMBEDDING_NORM, Q_HEAD_NORM, K_HEAD_NORM, Q_NORM, K_NORM,
                 ATTENTION_POST_NORM, MLP_POST_NORM -> 0.1;
            case BQ, BK, BV, BO, B_UP, B_DOWN, B_GATE, POOLER_BIAS -> 0.1;
            case ATTENTION_NORM_BIAS, MLP_NORM_BIAS, FINAL_NORM_BIAS, EMBEDDING_NORM_BIAS -> 0.1;
            default -> 1.0 / Math.sqrt(shape[shape.length - 1]);
        };
        double half = std * Math.sqrt(3.0);
        for (long i = 0, n = t.size(); i < n; i++) {
            t.set(i, center + half * (2 * random.nextDouble() - 1));
        }
        return t;
    }
}
