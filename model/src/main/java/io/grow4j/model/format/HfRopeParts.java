package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * config.json's per-family RoPE fields beyond theta and scaling ({@link LlamaConfigCodec.RopeFields}): Phi-3's
 * partial_rotary_factor and SmolLM3's no_rope_layers, read as transformers reads them and written so they read back
 * the same.
 */
final class HfRopeParts {
    private static final String FACTOR = "partial_rotary_factor";
    private static final String NO_ROPE = "no_rope_layers";
    private static final String INTERVAL = "no_rope_layer_interval";

    private HfRopeParts() {
    }

    /**
     * Phi-3's partial_rotary_factor (transformers' rope init rotates int(head_dim · factor) dims); 5.x keeps it inside
     * rope_parameters, 4.x at the top level. A family without partial rotary refuses a factor other than 1 rather
     * than ignore it.
     */
    static double partialRotaryFactor(ConfigFields f, boolean partialRotary, int headDim) {
        ConfigFields holder = f.has("rope_parameters") && f.node("rope_parameters").has(FACTOR)
                ? f.nested("rope_parameters") : f;
        double factor = fraction(holder, FACTOR, 1.0, headDim);
        if (factor != 1.0 && !partialRotary) {
            f.problem(FACTOR + " " + factor + ": this family rotates whole heads (transformers ignores the field here"
                    + " only where the factor is 1)");
            return 1.0;
        }
        return factor;
    }

    /**
     * A rotary fraction field (GPT-NeoX's rotary_pct, partial_rotary_factor), {@code absent} when missing: at most 1,
     * and rotating a positive even number of dims, int(head_dim · fraction) as transformers truncates it (RoPE turns
     * pairs). A problem is reported on {@code f} and 1 returned otherwise.
     */
    static double fraction(ConfigFields f, String field, double absent, int headDim) {
        double fraction = f.number(field, true, absent);
        int dims = (int) (headDim * fraction);
        if (fraction > 1 || dims <= 0 || dims % 2 != 0) {
            f.problem(field + " " + fraction + " gives int(head_dim " + headDim + " x " + fraction + ") = " + dims
                    + " rotary dims; RoPE needs an even number between 2 and head_dim");
            return 1.0;
        }
        return fraction;
    }

    /** The layers whose no_rope_layers entry is 0; without the list, every interval-th layer (SmolLM3Config). */
    static List<Integer> nopeLayers(ConfigFields f, int layers) {
        List<Integer> nope = new ArrayList<>();
        if (!f.has(NO_ROPE)) {
            int interval = f.integer(INTERVAL, 1, 4);
            for (int layer = 0; layer < layers; layer++) {
                if ((layer + 1) % interval == 0) {
                    nope.add(layer);
                }
            }
            return nope;
        }
        JsonNode list = f.node(NO_ROPE);
        if (!list.isArray() || list.size() < layers) {
            f.problem(NO_ROPE + " must list a 0 or 1 for each of the " + layers + " layers, got "
                    + (list.isArray() ? list.size() + " entries" : list.toString()));
            return nope;
        }
        for (int layer = 0; layer < layers; layer++) {
            JsonNode v = list.get(layer);
            if (!v.isIntegralNumber() || (v.asInt() != 0 && v.asInt() != 1)) {
                f.problem(NO_ROPE + "[" + layer + "] must be 0 (no RoPE) or 1 (RoPE), got " + v);
                return List.of();
            }
            if (v.asInt() == 0) {
                nope.add(layer);
            }
        }
        return nope;
    }

    /**
     * partial_rotary_factor at the top level, where both transformers 4.x and 5.x read it, as the model holds it (so
     * transformers rotates int(head_dim · factor) dims, as grow4j does); none for whole heads.
     */
    static void writePartialRotaryFactor(TransformerConfig c, ObjectNode json) {
        Positions.Rope rope = (Positions.Rope) c.positions();
        if (!rope.partial()) {
            json.remove(FACTOR); // 1, the default; a source's own spelling of it is kept by HfConfigWriter
            return;
        }
        json.put(FACTOR, rope.fraction());
    }

    /** no_rope_layers written out for every layer, so added layers never fall back to the interval pattern. */
    static void writeNopeLayers(TransformerConfig c, ObjectNode json) {
        Positions.Rope rope = (Positions.Rope) c.positions();
        ArrayNode list = json.putArray(NO_ROPE);
        for (int layer = 0; layer < c.layers(); layer++) {
            list.add(rope.rotates(layer) ? 1 : 0);
        }
    }

    /** Why a family's config.json cannot hold this model's RoPE parts. */
    static List<String> problems(String family, LlamaConfigCodec.RopeFields fields, TransformerConfig c,
            Positions.Rope rope) {
        List<String> problems = new ArrayList<>();
        int headDim = c.attention().keySize();
        if (rope.partial() && fields != LlamaConfigCodec.RopeFields.PARTIAL_ROTARY) {
            problems.add("Hugging Face " + family + " rotates whole heads; this model rotates "
                    + rope.rotaryDims(headDim)
                    + " of " + headDim + " head dims");
        }
        if (!rope.nopeLayers().isEmpty() && fields != LlamaConfigCodec.RopeFields.NOPE_LAYERS) {
            problems.add("Hugging Face " + family + " applies RoPE in every layer; this model has none in layers "
                    + rope.nopeLayers());
        }
        boolean lists = rope.scaling() instanceof RopeScaling.LongRope;
        int checked = c.hidden() / c.attention().queryHeads();
        if (fields == LlamaConfigCodec.RopeFields.PARTIAL_ROTARY && lists && checked != headDim) {
            problems.add("transformers' Phi3Config checks longrope short_factor/long_factor lengths against"
                    + " hidden_size / num_attention_heads = " + checked + ", not head_dim " + headDim
                    + ", so it refuses this config (grow hidden and heads together so they keep head_dim)");
        }
        return problems;
    }
}
