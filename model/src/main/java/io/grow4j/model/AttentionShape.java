package io.grow4j.model;

import java.util.List;
import java.util.Objects;

/**
 * Per-model numbers that shape attention scores and output logits beyond softmax(q·k / sqrt(k)), and which layers
 * attend to a sliding window (Gemma 2 and 3; HF transformers modeling_gemma2.py and modeling_gemma3.py). Every other
 * family has {@link #STANDARD}.
 *
 * @param queryPreAttnScalar logits are scaled by queryPreAttnScalar^-0.5 instead of keySize^-0.5 (0: keySize);
 *                           a number of the model, so head-size growth keeps it (DESIGN 2.6)
 * @param attentionSoftCap   attention logits s become cap·tanh(s / cap) after scaling (0: none)
 * @param finalSoftCap       vocabulary logits z become cap·tanh(z / cap) (0: none)
 * @param slidingWindow      a sliding layer's query at position t sees positions s with t − s &lt; slidingWindow
 *                           (HF masking_utils' sliding-window overlay); 0 when no layer slides
 * @param localRopeTheta     the RoPE base of sliding layers, plain RoPE without scaling (Gemma 3's
 *                           rope_local_base_freq); 0: sliding layers use the model's positions as every layer does
 * @param layerTypes         one entry per layer, or empty when every layer attends to all earlier positions
 */
public record AttentionShape(double queryPreAttnScalar, double attentionSoftCap, double finalSoftCap,
                             int slidingWindow, double localRopeTheta, List<LayerAttention> layerTypes) {

    /** softmax(q·k / sqrt(k)) over every earlier position, plain logits. */
    public static final AttentionShape STANDARD = new AttentionShape(0, 0, 0, 0, 0, List.of());

    /** What one layer attends to (transformers' layer_types values). */
    public enum LayerAttention {
        FULL("full_attention"),
        SLIDING("sliding_attention");

        private final String hfName;

        LayerAttention(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        /** The layer type of a layer_types entry, or null when it is none of these. */
        public static LayerAttention fromHf(String name) {
            for (LayerAttention a : values()) {
                if (a.hfName.equals(name)) {
                    return a;
                }
            }
            return null;
        }
    }

    public AttentionShape {
        layerTypes = List.copyOf(layerTypes);
        for (double v : new double[] {queryPreAttnScalar, attentionSoftCap, finalSoftCap, localRopeTheta}) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("attention scalar, soft caps and local RoPE base must be finite and"
                        + " >= 0, got " + queryPreAttnScalar + ", " + attentionSoftCap + ", " + finalSoftCap + ", "
                        + localRopeTheta);
            }
        }
        if (slidingWindow < 0 || (layerTypes.contains(LayerAttention.SLIDING) && slidingWindow == 0)) {
            throw new IllegalArgumentException("sliding layers need a sliding window >= 1, got " + slidingWindow);
        }
    }

    /**
     * Gemma's periodic pattern for {@code layers} layers: layer i is global when i + 1 is a multiple of {@code period},
     * sliding otherwise (transformers' sliding_window_pattern, llama.cpp's gemma2 with period 2 and gemma3 with 6).
     */
    public static List<LayerAttention> periodic(int layers, int period) {
        List<LayerAttention> types = new java.util.ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            types.add((layer + 1) % period != 0 ? LayerAttention.SLIDING : LayerAttention.FULL);
        }
        return List.copyOf(types);
    }

    /** The factor attention logits are multiplied by for heads of {@code keySize} dims. */
    public double scale(int keySize) {
        return 1.0 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : keySize);
    }

    /** True when the logit scale is the model's own number, not 1/sqrt(key size), so head-size growth keeps it. */
    public boolean fixedScale() {
        return queryPreAttnScalar > 0;
    }

    /** True when layer {@code layer} attends to a sliding window. */
    public boolean sliding(int layer) {
        return !layerTypes.isEmpty() && layerTypes.get(layer) == LayerAttention.SLIDING;
    }

    /** The first position layer {@code layer}'s query at {@code position} sees. */
    public int firstVisible(int layer, int position) {
        return sliding(layer) ? Math.max(0, position - slidingWindow + 1) : 0;
    }

    /** True when sliding layers use their own RoPE base. */
    public boolean localRope() {
        return localRopeTheta > 0 && layerTypes.contains(LayerAttention.SLIDING);
    }

    /** True for every family but Gemma's: nothing here changes the function. */
    public boolean standard() {
        return equals(STANDARD);
    }

    public AttentionShape withLayerTypes(List<LayerAttention> types) {
        return new AttentionShape(queryPreAttnScalar, attentionSoftCap, finalSoftCap, slidingWindow, localRopeTheta,
                types);
    }

    /**
     * The shape of a model of {@code layers} layers: the same when no list is kept or its length fits, the one type
     * repeated when all layers share it.
     *
     * @throws IllegalStateException the layers differ, so nothing says which type new layers take (layer addition
     *                               writes the list itself)
     */
    AttentionShape resized(int layers) {
        if (layerTypes.isEmpty() || layerTypes.size() == layers) {
            return this;
        }
        if (layerTypes.stream().distinct().count() != 1) {
            throw new IllegalStateException("layer types " + layerTypes + " differ per layer; say which type each of "
                    + layers + " layers has");
        }
        return withLayerTypes(java.util.Collections.nCopies(layers, layerTypes.getFirst()));
    }

    static void check(AttentionShape shape, int layers) {
        Objects.requireNonNull(shape, "attention shape (AttentionShape.STANDARD for plain attention)");
        if (!shape.layerTypes.isEmpty() && shape.layerTypes.size() != layers) {
            throw new IllegalArgumentException("layer_types has " + shape.layerTypes.size() + " entries for "
                    + layers + " layers");
        }
    }
}
