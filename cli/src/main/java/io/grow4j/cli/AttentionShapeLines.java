package io.grow4j.cli;

import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.TransformerConfig;

import java.util.Optional;
import java.util.stream.Collectors;

/** inspect's words for a model's {@link AttentionShape}: its logit scale, soft cap and layer pattern (Gemma). */
final class AttentionShapeLines {
    private AttentionShapeLines() {
    }

    /** ", scale 12^-0.5 (query_pre_attn_scalar), soft cap 50.0", or "" for plain attention. */
    static String scores(TransformerConfig c) {
        AttentionShape s = c.attentionShape();
        return (s.fixedScale() ? ", scale " + s.queryPreAttnScalar() + "^-0.5 (query_pre_attn_scalar, kept when"
                + " heads grow)" : "") + (s.attentionSoftCap() > 0 ? ", soft cap " + s.attentionSoftCap() : "");
    }

    /**
     * "S F S F (sliding window 4096 on 2 of 4 layers; sliding layers RoPE theta 10000.0)": each layer's type, S
     * sliding and F full, in order; empty when no layer list is kept.
     */
    static Optional<String> layers(TransformerConfig c) {
        AttentionShape s = c.attentionShape();
        if (s.layerTypes().isEmpty()) {
            return Optional.empty();
        }
        long sliding = s.layerTypes().stream().filter(t -> t == LayerAttention.SLIDING).count();
        String pattern = s.layerTypes().stream().map(t -> t == LayerAttention.SLIDING ? "S" : "F")
                .collect(Collectors.joining(" "));
        return Optional.of(pattern + " (S: sliding window " + s.slidingWindow() + ", on " + sliding + " of "
                + s.layerTypes().size() + " layers" + (s.localRope() ? ", RoPE theta " + s.localRopeTheta() : "")
                + "; F: full)");
    }
}
