package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Hugging Face {@code LlamaConfig} and the families that share its fields ({@code MistralConfig},
 * {@code Qwen2Config}); what differs between them is data ({@link Dialect}): where attention biases sit, the
 * transformers defaults, and fields carried through unchanged. Optional fields default as transformers does, so a
 * config.json means here what it means there. Fields that change the function in ways grow4j does not model
 * (rope_scaling, gated MLP biases, other activations) are refused rather than ignored.
 */
final class LlamaConfigCodec implements HfConfigCodec {
    /** transformers applies rotate_half: pairs (i, i + d/2). */
    private static final RopeLayout LAYOUT = RopeLayout.HALF_SPLIT;

    /** Where a family puts attention biases. */
    enum Biases {
        /** Llama: attention_bias puts biases on Q, K, V and O, or on none. */
        FIELD,
        /** Mistral: none. */
        NONE,
        /** Qwen2: always on Q, K and V, never on O. */
        QKV
    }

    /**
     * One family's differences: architecture, biases, transformers' defaults for max_position_embeddings,
     * rms_norm_eps and head_dim (0: hidden_size / num_attention_heads), and fields grow4j does not interpret but must
     * not drop (Mistral's sliding_window: attention is only exact to transformers' up to the window, and growth does
     * not touch it).
     */
    record Dialect(Architecture architecture, Biases biases, int defaultMaxPositions, double defaultEps,
            int defaultHeadDim, List<String> carried) {
    }

    static final LlamaConfigCodec LLAMA = new LlamaConfigCodec(
            new Dialect(Architecture.LLAMA, Biases.FIELD, 2048, 1e-6, 0, List.of()));
    static final LlamaConfigCodec MISTRAL = new LlamaConfigCodec(
            new Dialect(Architecture.MISTRAL, Biases.NONE, 4096 * 32, 1e-6, 0, List.of("sliding_window")));
    static final LlamaConfigCodec QWEN2 = new LlamaConfigCodec(new Dialect(Architecture.QWEN2, Biases.QKV, 32768,
            1e-6, 0, List.of("sliding_window", "use_sliding_window", "max_window_layers")));
    /** Qwen3Config: head_dim defaults to 128 whatever the hidden size; one rms_norm_eps for every norm. */
    static final LlamaConfigCodec QWEN3 = new LlamaConfigCodec(new Dialect(Architecture.QWEN3, Biases.FIELD, 32768,
            1e-6, 128, List.of("sliding_window", "use_sliding_window", "max_window_layers")));
    /** Olmo2Config: head_dim is hidden_size / num_attention_heads unless given (Olmo2Attention reads it if set). */
    /**
     * MixtralConfig: Mistral's attention, num_local_experts (default 8) experts of which num_experts_per_tok
     * (default 2) run per token; the router's training terms (router_aux_loss_coef, router_jitter_noise) do not
     * change the function and are carried.
     */
    static final LlamaConfigCodec MIXTRAL = new LlamaConfigCodec(new Dialect(Architecture.MIXTRAL, Biases.NONE,
            4096 * 32, 1e-5, 0, List.of("sliding_window", "router_aux_loss_coef", "router_jitter_noise",
            "output_router_logits")));
    static final LlamaConfigCodec OLMO2 = new LlamaConfigCodec(new Dialect(Architecture.OLMO2, Biases.FIELD, 2048,
            1e-5, 0, List.of()));

    private final Dialect dialect;

    private LlamaConfigCodec(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = f.integer("hidden_size", 1);
        int heads = f.integer("num_attention_heads", 1);
        int kvHeads = f.integer("num_key_value_heads", 1, heads);
        int headDim = f.has("head_dim") || (dialect.defaultHeadDim() == 0 && hidden % heads != 0)
                ? f.integer("head_dim", 1)
                : dialect.defaultHeadDim() > 0 ? dialect.defaultHeadDim() : hidden / heads;
        int mlp = f.integer("intermediate_size", 1);
        int layers = f.integer("num_hidden_layers", 0);
        int vocab = f.integer("vocab_size", 1);
        int maxSeq = f.integer("max_position_embeddings", 1, dialect.defaultMaxPositions());
        double eps = f.number("rms_norm_eps", false, dialect.defaultEps());
        double theta = ropeTheta(f);
        boolean tied = f.bool("tie_word_embeddings", false);
        AttentionConfig attention = attention(f, heads, kvHeads, headDim);
        f.choice("hidden_act", "silu", Set.of("silu"));
        if (f.bool("mlp_bias", false)) {
            f.problem("mlp_bias true puts a bias on gate_proj too, which grow4j does not model");
        }
        if (f.has("rope_scaling")) {
            f.problem("rope_scaling " + f.node("rope_scaling") + " is not supported (plain RoPE only)");
        }
        MlpConfig mlpConfig = mlp(f, mlp);
        f.check();
        try {
            return new TransformerConfig(dialect.architecture(), vocab, hidden, layers, maxSeq, attention,
                    mlpConfig, eps, new Positions.Rope(theta, LAYOUT), tied);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(f.file(), "inconsistent config: " + e.getMessage(), e);
        }
    }

    /** A SwiGLU MLP, or for a mixture-of-experts family as many experts of that size as the config says. */
    private MlpConfig mlp(ConfigFields f, int size) {
        MlpConfig dense = new MlpConfig(size, Activation.SWIGLU, false);
        if (!dialect.architecture().mixtureOfExperts()) {
            return dense;
        }
        int experts = f.integer("num_local_experts", 1, 8);
        int topK = f.integer("num_experts_per_tok", 1, 2);
        if (topK > experts) {
            f.problem("num_experts_per_tok " + topK + " exceeds num_local_experts " + experts);
            return dense.withExperts(experts, experts);
        }
        return dense.withExperts(experts, topK);
    }

    private AttentionConfig attention(ConfigFields f, int heads, int kvHeads, int headDim) {
        if (heads % kvHeads != 0) {
            f.problem("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
            return new AttentionConfig(1, 1, 1, 1, false);
        }
        return switch (dialect.biases()) {
            case FIELD -> new AttentionConfig(heads, kvHeads, headDim, headDim, f.bool("attention_bias", false));
            case NONE -> new AttentionConfig(heads, kvHeads, headDim, headDim, false);
            case QKV -> new AttentionConfig(heads, kvHeads, headDim, headDim, true, false);
        };
    }

    /** transformers 4.x keeps rope_theta at the top level; 5.x moves it into rope_parameters. */
    private static double ropeTheta(ConfigFields f) {
        if (!f.has("rope_parameters")) {
            return f.number("rope_theta", true, 10000.0);
        }
        JsonNode p = f.node("rope_parameters");
        String type = p.path("rope_type").asText("default");
        if (!type.equals("default")) {
            f.problem("rope_parameters.rope_type '" + type + "' is not supported (plain RoPE only)");
        }
        JsonNode theta = p.path("rope_theta");
        if (!theta.isNumber() || !(theta.asDouble() > 0)) {
            f.problem("rope_parameters.rope_theta must be a positive number, got " + theta);
            return 1;
        }
        return theta.asDouble();
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        AttentionConfig a = c.attention();
        json.put("hidden_size", c.hidden())
                .put("intermediate_size", c.mlp().size())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", a.queryHeads())
                .put("num_key_value_heads", a.kvHeads())
                .put("head_dim", a.keySize())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxSeqLen())
                .put("rms_norm_eps", c.normEps())
                .put("rope_theta", ((Positions.Rope) c.positions()).theta())
                .put("tie_word_embeddings", c.tiedEmbeddings())
                .put("hidden_act", Activation.SWIGLU.hfName())
                .put("mlp_bias", false);
        if (dialect.biases() == Biases.FIELD) {
            json.put("attention_bias", a.bias());
        }
        if (c.mlp().experts() > 0) {
            json.put("num_local_experts", c.mlp().experts()).put("num_experts_per_tok", c.mlp().topK());
        }
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        String family = dialect.architecture().id();
        if (!c.architecture().equals(dialect.architecture())) {
            problems.add("the " + family + " family holds " + family + " models only, not " + c.architecture().id());
        }
        AttentionConfig a = c.attention();
        boolean biasesFit = switch (dialect.biases()) {
            case FIELD -> a.bias() == a.outputBias();
            case NONE -> !a.bias() && !a.outputBias();
            case QKV -> a.bias() && !a.outputBias();
        };
        if (!biasesFit) {
            problems.add(family + " stores " + switch (dialect.biases()) {
                case FIELD -> "biases on all of Q, K, V and O or on none";
                case NONE -> "no attention biases";
                case QKV -> "biases on Q, K and V and none on O";
            } + "; this model has Q/K/V biases " + a.bias() + ", O bias " + a.outputBias());
        }
        if (c.mlp().activation() != Activation.SWIGLU) {
            problems.add("Hugging Face " + family + "'s MLP is SwiGLU; this model uses " + c.mlp().activation());
        }
        if (c.mlp().bias()) {
            problems.add("Hugging Face " + family + "'s MLP has no biases (Llama's mlp_bias also biases gate_proj);"
                    + " this model has up/down biases");
        }
        if (!c.usesRope()) {
            problems.add("Hugging Face " + family + " uses RoPE; this model has learned positions");
        }
        return problems;
    }

    @Override
    public List<String> carriedFields() {
        return dialect.carried();
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.of(LAYOUT);
    }
}
