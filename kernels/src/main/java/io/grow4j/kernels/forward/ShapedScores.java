package io.grow4j.kernels.forward;

import io.grow4j.model.AttentionShape;
import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;

/**
 * The per-model terms of Gemma's passes that every decoder pass shares ({@link AttentionShape}, the embedding
 * multiplier), so the float and double passes compute them alike.
 */
final class ShapedScores {
    private ShapedScores() {
    }

    /**
     * The factor the token embedding is multiplied by: sqrt(hidden) rounded to the embedding's dtype for a scaled
     * embedding (HF transformers casts the normalizer to the weight dtype: Gemma3TextScaledWordEmbedding, and
     * Gemma2Model's normalizer), else 1. An F64 model gets sqrt(hidden) itself.
     */
    static double embeddingMultiplier(TransformerConfig config, DType embeddingDtype) {
        if (!config.architecture().scaledEmbedding()) {
            return 1.0;
        }
        Tensor rounded = Tensor.allocate(embeddingDtype, 1);
        rounded.set(0, Math.sqrt(config.hidden()));
        return rounded.get(0);
    }

    /** cap·tanh(x / cap), or x when cap is 0 (no soft cap). */
    static double softCap(double x, double cap) {
        return cap > 0 ? cap * Math.tanh(x / cap) : x;
    }

    /** Soft-caps every entry in place (the final logits). */
    static void softCap(float[] x, double cap) {
        if (cap > 0) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (cap * Math.tanh(x[i] / cap));
            }
        }
    }

    /**
     * Every layer's RoPE frequencies: the model's, except sliding layers of a model with a local base (Gemma 3's
     * rope_local_base_freq, plain RoPE); null entries for a model without RoPE.
     */
    static RopeFrequencies[] layerFrequencies(TransformerConfig config) {
        RopeFrequencies[] out = new RopeFrequencies[config.layers()];
        if (!(config.positions() instanceof Positions.Rope rope)) {
            return out;
        }
        RopeFrequencies global = RopeFrequencies.of(config);
        AttentionShape shape = config.attentionShape();
        RopeFrequencies local = shape.localRope()
                ? RopeFrequencies.plain(shape.localRopeTheta(), rope.rotaryDims(config.attention().keySize()))
                : global;
        for (int l = 0; l < out.length; l++) {
            out[l] = shape.sliding(l) ? local : global;
        }
        return out;
    }

    /**
     * Gemma's attention of one query position over the float cache ([position, kvHeads·size] rows): logits × scale,
     * soft-capped, over positions first..position, sums in double. The backends' attention kernels know neither the
     * scale nor the cap nor the window, so the float pass runs this for models whose {@link AttentionShape} is not
     * standard.
     */
    static void attention(float[] q, float[] keys, float[] values, float[] out, int position, int queryHeads,
                          int kvHeads, int keySize, int valueSize, double scale, double softCap, int first) {
        int group = queryHeads / kvHeads;
        double[] weights = new double[position + 1];
        for (int h = 0; h < queryHeads; h++) {
            int kvHead = h / group;
            double max = Double.NEGATIVE_INFINITY;
            for (int t = first; t <= position; t++) {
                double s = 0;
                int base = (t * kvHeads + kvHead) * keySize;
                for (int d = 0; d < keySize; d++) {
                    s += (double) q[h * keySize + d] * keys[base + d];
                }
                weights[t] = softCap(s * scale, softCap);
                max = Math.max(max, weights[t]);
            }
            double sum = 0;
            for (int t = first; t <= position; t++) {
                weights[t] = Math.exp(weights[t] - max);
                sum += weights[t];
            }
            for (int d = 0; d < valueSize; d++) {
                double acc = 0;
                for (int t = first; t <= position; t++) {
                    acc += weights[t] * values[(t * kvHeads + kvHead) * valueSize + d];
                }
                out[h * valueSize + d] = (float) (acc / sum);
            }
        }
    }
}
