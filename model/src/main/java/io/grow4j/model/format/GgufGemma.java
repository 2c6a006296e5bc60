package io.grow4j.model.format;

import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * What llama.cpp's gemma2 and gemma3 (src/llama-model.cpp, load_hparams and the graph builders of the bundled build
 * b4916) read from a GGUF file and what they derive instead, as grow4j's {@link AttentionShape}:
 * <ul>
 *   <li>the layer pattern comes from the index: layer i slides unless (i + 1) is a multiple of {@code period} (2 for
 *       gemma2: sliding first; 6 for gemma3: five sliding, one global);</li>
 *   <li>the attention scale is key_length^-0.5, except for the layer count of the 27B models ({@code wideLayers}),
 *       where it is (embedding_length / head_count)^-0.5 with integer division: there is no key for
 *       query_pre_attn_scalar;</li>
 *   <li>gemma2 always soft-caps attention and final logits ({name}.attn_logit_softcapping, default 50, and
 *       {name}.final_logit_softcapping, default 30); gemma3 never does;</li>
 *   <li>{name}.attention.sliding_window is the window (gemma2's default 4096; gemma3 requires it);</li>
 *   <li>gemma3's sliding layers use RoPE base 10000 without scaling ({@code localRopeBase}); its global layers use
 *       rope.freq_base and the scaling keys. gemma2 uses one RoPE in every layer.</li>
 * </ul>
 * A model whose numbers differ from what llama.cpp derives cannot be written: {@link #problems} names the field.
 */
record GgufGemma(int period, boolean softCaps, double localRopeBase, int wideLayers, int defaultWindow,
                 List<Integer> earlyBuildLayers) {
    /** b4916's gemma2 graph picks the attention scale by model type and aborts for any other layer count. */
    static final GgufGemma GEMMA2 = new GgufGemma(2, true, 0, 46, 4096, List.of(26, 42, 46));
    static final GgufGemma GEMMA3 = new GgufGemma(6, false, 10000, 62, 0, List.of());

    static final String ATTENTION_CAP = "attn_logit_softcapping";
    static final String FINAL_CAP = "final_logit_softcapping";
    static final String WINDOW = "attention.sliding_window";
    private static final double DEFAULT_ATTENTION_CAP = 50;
    private static final double DEFAULT_FINAL_CAP = 30;

    /** The layer types llama.cpp gives {@code layers} layers. */
    List<LayerAttention> layerTypes(int layers) {
        return AttentionShape.periodic(layers, period);
    }

    /** The number whose inverse square root llama.cpp scales attention logits by. */
    int attentionScalar(int layers, int hidden, int heads, int keySize) {
        return layers == wideLayers ? hidden / heads : keySize;
    }

    /** The attention shape of a file: the keys as llama.cpp reads them, the rest as it derives it. */
    AttentionShape read(GgufFields f, String p, int hidden, int heads, int keySize, int layers) {
        double attentionCap = softCaps ? GgufConfigCodec.exactReal(f, p + ATTENTION_CAP, DEFAULT_ATTENTION_CAP) : 0;
        double finalCap = softCaps ? GgufConfigCodec.exactReal(f, p + FINAL_CAP, DEFAULT_FINAL_CAP) : 0;
        if (softCaps && !(attentionCap > 0 && finalCap > 0 && Double.isFinite(attentionCap + finalCap))) {
            f.problem(p + ATTENTION_CAP + " " + attentionCap + " and " + p + FINAL_CAP + " " + finalCap
                    + " must be finite and > 0 (llama.cpp divides by them)");
            attentionCap = DEFAULT_ATTENTION_CAP;
            finalCap = DEFAULT_FINAL_CAP;
        }
        int window = defaultWindow > 0 ? f.integer(p + WINDOW, 1, defaultWindow) : f.integer(p + WINDOW, 1);
        return new AttentionShape(attentionScalar(layers, hidden, heads, keySize), attentionCap, finalCap, window,
                localRopeBase, layerTypes(layers));
    }

    /** Sets the soft caps and the window in {@code m}; everything else llama.cpp derives. */
    void write(AttentionShape shape, String p, SequencedMap<String, GgufValue> m) {
        if (softCaps) {
            GgufConfigCodec.real(m, p + ATTENTION_CAP, shape.attentionSoftCap());
            GgufConfigCodec.real(m, p + FINAL_CAP, shape.finalSoftCap());
        }
        m.put(p + WINDOW, new GgufValue.Int(GgufType.UINT32, shape.slidingWindow()));
    }

    /**
     * What the writer should know though the file is right: llama.cpp builds of early 2025 (b4916, the one in
     * de.kherud:llama 4.2.0) abort on gemma2 files of other layer counts than their 2B, 9B and 27B models; later
     * builds derive the scale from the sizes, as {@link #attentionScalar} does.
     */
    List<String> notes(String name, TransformerConfig c) {
        if (earlyBuildLayers.isEmpty() || earlyBuildLayers.contains(c.layers())) {
            return List.of();
        }
        return List.of("llama.cpp builds of early 2025 (b4916) abort on " + name + " files whose layer count is not one"
                + " of " + earlyBuildLayers + "; this one has " + c.layers() + " layers (later builds run it)");
    }

    /** Where {@code c} differs from what llama.cpp derives for its sizes, one line per field; empty when it does not. */
    List<String> problems(String name, TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        AttentionShape s = c.attentionShape();
        int heads = c.attention().queryHeads();
        int keySize = c.attention().keySize();
        int derived = attentionScalar(c.layers(), c.hidden(), heads, keySize);
        double scalar = s.fixedScale() ? s.queryPreAttnScalar() : keySize;
        if (scalar != derived) {
            problems.add("query_pre_attn_scalar is " + scalar + ", but llama.cpp's " + name + " scales attention by "
                    + (c.layers() == wideLayers ? "(embedding_length / head_count)" : "key_length") + "^-0.5 = "
                    + derived + "^-0.5 for " + c.layers() + " layers, and GGUF has no key for it");
        }
        if (!s.layerTypes().equals(layerTypes(c.layers()))) {
            problems.add("layer_types " + s.layerTypes() + " differ from the pattern llama.cpp's " + name
                    + " derives from the layer index (layer i slides unless i + 1 is a multiple of " + period + "): "
                    + layerTypes(c.layers()));
        }
        if (softCaps != (s.attentionSoftCap() > 0) || softCaps != (s.finalSoftCap() > 0)) {
            problems.add("attn_logit_softcapping " + s.attentionSoftCap() + " and final_logit_softcapping "
                    + s.finalSoftCap() + ": llama.cpp's " + name + (softCaps ? " always soft-caps both (give both > 0)"
                    : " soft-caps neither (both must be none)"));
        }
        double local = s.localRope() ? s.localRopeTheta() : 0;
        if (localRopeBase != 0 && c.layers() > 0 && local != localRopeBase) {
            problems.add("rope_local_base_freq " + s.localRopeTheta() + ": llama.cpp's " + name
                    + " rotates sliding layers with base " + localRopeBase + " without scaling");
        } else if (localRopeBase == 0 && local != 0 && !sameAsGlobal(c, local)) {
            problems.add("rope_local_base_freq " + local + ": llama.cpp's " + name
                    + " rotates every layer with rope.freq_base");
        }
        return problems;
    }

    private static boolean sameAsGlobal(TransformerConfig c, double local) {
        return c.positions() instanceof Positions.Rope rope && rope.theta() == local
                && rope.scaling().equals(RopeScaling.NONE);
    }
}
