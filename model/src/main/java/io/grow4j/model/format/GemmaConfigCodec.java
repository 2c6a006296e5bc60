package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hugging Face {@code Gemma2Config} and {@code Gemma3TextConfig} (model_type gemma2, gemma3_text), with
 * transformers' defaults, so a config.json means here what it means there. What differs between the two is data
 * ({@link Dialect}). layer_types is read when present, else built as transformers builds it (Gemma 2: layer i slides
 * when i + 1 is odd; Gemma 3: when i + 1 is not a multiple of sliding_window_pattern, default 6), and always written
 * explicitly, so layer addition keeps every layer's type. RoPE: Gemma 2 as Llama (rope_theta, rope_scaling, or 5.x's
 * rope_parameters); Gemma 3's global layers use rope_theta and rope_scaling, its sliding layers
 * rope_local_base_freq, or in 5.x's spelling rope_parameters.full_attention and .sliding_attention.
 * transformers' Gemma3Attention does not apply attn_logit_softcapping (only Gemma 2's does), so Gemma 3 does not
 * read it; the key is carried as it is.
 */
final class GemmaConfigCodec implements HfConfigCodec {
    private static final RopeLayout LAYOUT = RopeLayout.HALF_SPLIT;
    private static final String FULL = "full_attention";
    private static final String SLIDING = "sliding_attention";

    /**
     * One generation's differences: its row, transformers' defaults for max_position_embeddings, rope_theta and the
     * two soft caps (0: None), the default layer pattern's period, and whether sliding layers have their own base.
     */
    record Dialect(Architecture architecture, int defaultMaxPositions, double defaultTheta,
            double defaultAttentionCap, double defaultFinalCap, int defaultPeriod, boolean localBase) {
    }

    static final GemmaConfigCodec GEMMA2 = new GemmaConfigCodec(
            new Dialect(Architecture.GEMMA2, 8192, 10000.0, 50.0, 30.0, 2, false));
    static final GemmaConfigCodec GEMMA3 = new GemmaConfigCodec(
            new Dialect(Architecture.GEMMA3, 131072, 1_000_000.0, 0, 0, 6, true));

    private final Dialect dialect;

    private GemmaConfigCodec(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = f.integer("hidden_size", 1);
        int heads = f.integer("num_attention_heads", 1);
        int kvHeads = f.kvHeads(heads);
        int headDim = f.integer("head_dim", 1, 256);
        int mlp = f.integer("intermediate_size", 1);
        int layers = f.integer("num_hidden_layers", 0);
        int vocab = f.integer("vocab_size", 1);
        int maxSeq = f.integer("max_position_embeddings", 1, dialect.defaultMaxPositions());
        double eps = f.number("rms_norm_eps", false, 1e-6);
        boolean tied = f.bool("tie_word_embeddings", true);
        boolean bias = f.bool("attention_bias", false);
        f.choice("hidden_activation", Activation.GEGLU_TANH.hfName(), Set.of(Activation.GEGLU_TANH.hfName()));
        if (f.bool("use_bidirectional_attention", false)) {
            f.problem("use_bidirectional_attention true: grow4j's decoder passes attend causally only");
        }
        Rope rope = rope(f, headDim);
        AttentionShape shape = new AttentionShape(f.number("query_pre_attn_scalar", true, 256),
                dialect.architecture() == Architecture.GEMMA2
                        ? cap(f, "attn_logit_softcapping", dialect.defaultAttentionCap()) : 0,
                cap(f, "final_logit_softcapping", dialect.defaultFinalCap()),
                f.integer("sliding_window", 1, 4096), rope.localTheta(), layerTypes(f, layers));
        f.check();
        return f.consistent(() -> new TransformerConfig(dialect.architecture(), vocab, hidden, layers, maxSeq,
                new AttentionConfig(heads, kvHeads, headDim, headDim, bias),
                new MlpConfig(mlp, Activation.GEGLU_TANH, false), eps, rope.positions(), tied, 0, false, shape));
    }

    /** The global positions and the sliding layers' own base (0: none). */
    private record Rope(Positions.Rope positions, double localTheta) {
    }

    private Rope rope(ConfigFields f, int headDim) {
        JsonNode parameters = f.node("rope_parameters");
        boolean perType = parameters.isObject() && (parameters.has(FULL) || parameters.has(SLIDING));
        double theta;
        double local = 0;
        RopeScaling scaling;
        if (perType) {
            ConfigFields p = f.nested("rope_parameters");
            theta = theta(p, FULL, dialect.defaultTheta());
            scaling = parameters.has(FULL) ? HfRopeScalingCodec.read(p, FULL) : RopeScaling.NONE;
            if (dialect.localBase()) {
                local = theta(p, SLIDING, 10000.0);
                if (parameters.has(SLIDING) && !(HfRopeScalingCodec.read(p, SLIDING) instanceof RopeScaling.None)) {
                    f.problem("rope_parameters.sliding_attention: sliding layers use plain RoPE in grow4j; got "
                            + parameters.get(SLIDING));
                }
            }
        } else {
            theta = parameters.isObject() && parameters.path("rope_theta").isNumber()
                    ? parameters.get("rope_theta").asDouble() : f.number("rope_theta", true, dialect.defaultTheta());
            scaling = HfRopeScalingCodec.read(f);
            local = dialect.localBase() ? f.number("rope_local_base_freq", true, 10000.0) : 0;
        }
        scaling.problems(headDim).forEach(p -> f.problem(p + " (head_dim " + headDim + ")"));
        return new Rope(new Positions.Rope(theta, LAYOUT, scaling), local);
    }

    private static double theta(ConfigFields parameters, String type, double absent) {
        JsonNode theta = parameters.node(type).path("rope_theta");
        if (theta.isMissingNode()) {
            return absent;
        }
        if (!theta.isNumber() || !(theta.asDouble() > 0)) {
            parameters.problem("rope_parameters." + type + ".rope_theta must be a positive number, got " + theta);
            return 1;
        }
        return theta.asDouble();
    }

    /** A soft cap: its default when the key is absent, none (0) when it is null, else a positive number. */
    private static double cap(ConfigFields f, String field, double absent) {
        JsonNode node = f.node(field);
        if (node.isNull()) {
            return 0;
        }
        return f.number(field, true, absent);
    }

    private List<LayerAttention> layerTypes(ConfigFields f, int layers) {
        List<LayerAttention> types = new ArrayList<>();
        JsonNode list = f.node("layer_types");
        if (list.isArray()) {
            for (JsonNode entry : list) {
                LayerAttention type = LayerAttention.fromHf(entry.asText());
                if (type == null || !entry.isTextual()) {
                    f.problem("layer_types entry " + entry + " is neither \"" + FULL + "\" nor \"" + SLIDING + "\"");
                    return List.of();
                }
                types.add(type);
            }
            if (types.size() != layers) {
                f.problem("layer_types has " + types.size() + " entries, but num_hidden_layers is " + layers);
                return List.of();
            }
            return types;
        }
        int period = dialect.architecture() == Architecture.GEMMA2 ? 2
                : f.integer("sliding_window_pattern", 1, dialect.defaultPeriod());
        for (int i = 0; i < layers; i++) {
            types.add((i + 1) % period != 0 ? LayerAttention.SLIDING : LayerAttention.FULL);
        }
        return types;
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        AttentionConfig a = c.attention();
        AttentionShape shape = c.attentionShape();
        json.put("hidden_size", c.hidden())
                .put("intermediate_size", c.mlp().size())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", a.queryHeads())
                .put("num_key_value_heads", a.kvHeads())
                .put("head_dim", a.keySize())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxSeqLen())
                .put("rms_norm_eps", c.normEps())
                .put("tie_word_embeddings", c.tiedEmbeddings())
                .put("hidden_activation", Activation.GEGLU_TANH.hfName())
                .put("attention_bias", a.bias())
                .put("sliding_window", shape.slidingWindow());
        putScalar(json, shape.queryPreAttnScalar());
        putCap(json, "final_logit_softcapping", shape.finalSoftCap());
        if (dialect.architecture() == Architecture.GEMMA2) {
            putCap(json, "attn_logit_softcapping", shape.attentionSoftCap());
        }
        ArrayNode types = json.putArray("layer_types");
        shape.layerTypes().forEach(t -> types.add(t.hfName()));
        writeRope(c, json);
    }

    /** transformers types query_pre_attn_scalar as an int (5.x validates config fields), so 256, not 256.0. */
    private static void putScalar(ObjectNode json, double scalar) {
        if (scalar == Math.rint(scalar) && scalar <= Integer.MAX_VALUE) {
            json.put("query_pre_attn_scalar", (int) scalar);
        } else {
            json.put("query_pre_attn_scalar", scalar);
        }
    }

    private static void putCap(ObjectNode json, String field, double cap) {
        if (cap > 0) {
            json.put(field, cap);
        } else {
            json.putNull(field);
        }
    }

    /**
     * Gemma 3 keeps the source's spelling (5.x's rope_parameters per layer type, else 4.x's keys, which 5.x also
     * reads); Gemma 2 writes 4.x's keys as the Llama codec does.
     */
    private void writeRope(TransformerConfig c, ObjectNode json) {
        Positions.Rope rope = (Positions.Rope) c.positions();
        ObjectNode scaling = HfRopeScalingCodec.write(rope.scaling());
        JsonNode parameters = json.path("rope_parameters");
        boolean perType = parameters.isObject() && (parameters.has(FULL) || parameters.has(SLIDING));
        if (dialect.localBase() && perType) {
            ObjectNode full = scaling == null ? SafetensorsFile.JSON.createObjectNode().put("rope_type", "default")
                    : scaling;
            full.put("rope_theta", rope.theta());
            ObjectNode p = json.putObject("rope_parameters");
            p.set(SLIDING, SafetensorsFile.JSON.createObjectNode().put("rope_type", "default")
                    .put("rope_theta", c.attentionShape().localRopeTheta()));
            p.set(FULL, full);
            json.remove(List.of("rope_theta", "rope_scaling", "rope_local_base_freq"));
            return;
        }
        json.remove("rope_parameters");
        json.put("rope_theta", rope.theta());
        if (dialect.localBase()) {
            json.put("rope_local_base_freq", c.attentionShape().localRopeTheta());
        }
        if (scaling == null) {
            json.remove("rope_scaling");
        } else {
            json.set("rope_scaling", scaling);
        }
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        String family = dialect.architecture().id();
        if (!c.architecture().equals(dialect.architecture())) {
            problems.add("the " + family + " family holds " + family + " models only, not " + c.architecture().id());
            return problems;
        }
        AttentionConfig a = c.attention();
        if (a.bias() != a.outputBias()) {
            problems.add(family + " stores biases on all of Q, K, V and O or on none; this model has Q/K/V biases "
                    + a.bias() + ", O bias " + a.outputBias());
        }
        if (c.mlp().activation() != Activation.GEGLU_TANH || c.mlp().bias()) {
            problems.add("Hugging Face " + family + "'s MLP is GeGLU (gelu_pytorch_tanh) without biases; this model"
                    + " has " + c.mlp().activation() + (c.mlp().bias() ? " with biases" : ""));
        }
        AttentionShape shape = c.attentionShape();
        if (shape.layerTypes().size() != c.layers() || !shape.fixedScale()) {
            problems.add(family + " needs one layer type per layer and query_pre_attn_scalar; this model has "
                    + shape.layerTypes().size() + " layer types for " + c.layers() + " layers");
        }
        if (!dialect.localBase() && shape.localRopeTheta() > 0) {
            problems.add("gemma2 has no separate RoPE base for sliding layers (rope_local_base_freq is Gemma 3's)");
        }
        if (dialect.architecture() != Architecture.GEMMA2 && shape.attentionSoftCap() > 0) {
            problems.add(family + " does not soft-cap attention logits in transformers (Gemma3Attention ignores"
                    + " attn_logit_softcapping); this model caps them at " + shape.attentionSoftCap());
        }
        if (c.positions() instanceof Positions.Rope rope) {
            if (rope.scaling() instanceof RopeScaling.FrequencyDivisors) {
                problems.add("config.json has no field for per-pair RoPE frequency divisors (GGUF rope_freqs.weight)");
            }
        } else {
            problems.add("Hugging Face " + family + " uses RoPE; this model has learned positions");
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.of(LAYOUT);
    }
}
