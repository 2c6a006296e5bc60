package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
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
 * Hugging Face {@code LlamaConfig} and the families that share its fields ({@code MistralConfig},
 * {@code Qwen2Config}); what differs between them is data ({@link Dialect}): where attention biases sit, the
 * transformers defaults, and fields carried through unchanged. Optional fields default as transformers does, so a
 * config.json means here what it means there. RoPE scaling is read by {@link HfRopeScalingCodec}; Llama's
 * attention_bias, mlp_bias and a head_dim other than hidden / heads are modelled. Fields that change the function in
 * ways grow4j does not model (other activations) are refused rather than ignored.
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

    /** Which RoPE fields beyond theta and scaling a family reads and writes. */
    enum RopeFields {
        /** Every layer rotates every head dim. */
        WHOLE,
        /**
         * partial_rotary_factor (top level, or inside 5.x's rope_parameters; default 1): the leading
         * int(head_dim · factor) dims of each head rotate (Phi3Config; transformers' Phi3 apply_rotary_pos_emb).
         * Phi3Config checks longrope's list lengths against hidden_size / num_attention_heads, not head_dim.
         */
        PARTIAL_ROTARY,
        /**
         * no_rope_layers: one 0/1 per layer, 1 = the layer uses RoPE (SmolLM3Attention: use_rope =
         * no_rope_layers[layer_idx]); when absent, every no_rope_layer_interval-th layer (default 4) has none.
         */
        NOPE_LAYERS
    }

    /**
     * One family's differences: architecture, biases, whether mlp_bias is read (Llama's biases gate, up and down),
     * and transformers' defaults for max_position_embeddings, rms_norm_eps, head_dim (0: hidden_size /
     * num_attention_heads), rope_theta and tie_word_embeddings, and which RoPE fields it has. The tying default
     * matters: transformers leaves tie_word_embeddings out of a saved config.json when it equals both its own and the
     * family's default (true, in SmolLM3). Fields grow4j does not interpret (Mistral's
     * and Qwen2's sliding_window, Qwen2's max_window_layers) are carried from the source config.json by
     * {@link HfConfigWriter}, as every key is.
     */
    record Dialect(Architecture architecture, Biases biases, boolean mlpBias, int defaultMaxPositions,
            double defaultEps, int defaultHeadDim, double defaultTheta, boolean defaultTied, RopeFields ropeFields,
            ExpertKeys experts) {

        Dialect(Architecture architecture, Biases biases, boolean mlpBias, int defaultMaxPositions,
                double defaultEps, int defaultHeadDim) {
            this(architecture, biases, mlpBias, defaultMaxPositions, defaultEps, defaultHeadDim, null);
        }

        /** A mixture-of-experts family (null: dense) with Llama's RoPE defaults. */
        Dialect(Architecture architecture, Biases biases, boolean mlpBias, int defaultMaxPositions,
                double defaultEps, int defaultHeadDim, ExpertKeys experts) {
            this(architecture, biases, mlpBias, defaultMaxPositions, defaultEps, defaultHeadDim, 10000.0, false,
                    RopeFields.WHOLE, experts);
        }

        /** A dense family with its own RoPE defaults and fields. */
        Dialect(Architecture architecture, Biases biases, boolean mlpBias, int defaultMaxPositions,
                double defaultEps, int defaultHeadDim, double defaultTheta, boolean defaultTied,
                RopeFields ropeFields) {
            this(architecture, biases, mlpBias, defaultMaxPositions, defaultEps, defaultHeadDim, defaultTheta,
                    defaultTied, ropeFields, null);
        }
    }

    /**
     * How a mixture-of-experts family spells its sizes, with transformers' defaults: the expert count and top-k keys,
     * the experts' inner width (null: intermediate_size), the shared expert's (null: none) and the renormalisation
     * flag (null: always renormalised).
     */
    record ExpertKeys(String count, int defaultCount, int defaultTopK, String size, int defaultSize, String shared,
                      int defaultShared, String normTopK) {
        static final ExpertKeys MIXTRAL = new ExpertKeys("num_local_experts", 8, 2, null, 0, null, 0, null);
        /** Qwen2MoeConfig's defaults (num_experts 60, top 4, moe_intermediate_size 1408, shared 5632). */
        static final ExpertKeys QWEN2_MOE = new ExpertKeys("num_experts", 60, 4, "moe_intermediate_size", 1408,
                "shared_expert_intermediate_size", 5632, "norm_topk_prob");
    }

    static final LlamaConfigCodec LLAMA = new LlamaConfigCodec(
            new Dialect(Architecture.LLAMA, Biases.FIELD, true, 2048, 1e-6, 0));
    static final LlamaConfigCodec MISTRAL = new LlamaConfigCodec(
            new Dialect(Architecture.MISTRAL, Biases.NONE, false, 4096 * 32, 1e-6, 0));
    static final LlamaConfigCodec QWEN2 = new LlamaConfigCodec(new Dialect(Architecture.QWEN2, Biases.QKV, false,
            32768, 1e-6, 0));
    /** Qwen3Config: head_dim defaults to 128 whatever the hidden size; one rms_norm_eps for every norm. */
    static final LlamaConfigCodec QWEN3 = new LlamaConfigCodec(new Dialect(Architecture.QWEN3, Biases.FIELD, false,
            32768, 1e-6, 128));
    /**
     * MixtralConfig: Mistral's attention, num_local_experts (default 8) experts of which num_experts_per_tok
     * (default 2) run per token; the router's training terms (router_aux_loss_coef, router_jitter_noise) do not
     * change the function and are carried with every other key. Mixtral has no mlp_bias.
     */
    static final LlamaConfigCodec MIXTRAL = new LlamaConfigCodec(new Dialect(Architecture.MIXTRAL, Biases.NONE, false,
            4096 * 32, 1e-5, 0, ExpertKeys.MIXTRAL));
    /**
     * Qwen2MoeConfig: Qwen2's attention, num_experts experts of moe_intermediate_size plus a shared expert of
     * shared_expert_intermediate_size, norm_topk_prob (default false). Every layer must be sparse
     * (decoder_sparse_step 1, no mlp_only_layers): grow4j models one MLP kind for all layers, so other layouts are
     * refused; intermediate_size (the dense layers' width) is then unused and carried.
     */
    static final LlamaConfigCodec QWEN2_MOE = new LlamaConfigCodec(new Dialect(Architecture.QWEN2_MOE, Biases.QKV,
            false, 32768, 1e-6, 0, ExpertKeys.QWEN2_MOE));
    /** Olmo2Config: head_dim is hidden_size / num_attention_heads unless given (Olmo2Attention reads it if set). */
    static final LlamaConfigCodec OLMO2 = new LlamaConfigCodec(new Dialect(Architecture.OLMO2, Biases.FIELD, false,
            2048, 1e-5, 0));

    /**
     * Phi3Config: fused qkv_proj and gate_up_proj (names in {@link HfFamily}), no biases, partial_rotary_factor,
     * longrope with original_max_position_embeddings at the top level (default 4096, as Phi3Config has it).
     */
    static final LlamaConfigCodec PHI3 = new LlamaConfigCodec(new Dialect(Architecture.PHI3, Biases.NONE, false,
            4096, 1e-5, 0, 10000.0, false, RopeFields.PARTIAL_ROTARY));
    /**
     * SmolLM3Config: Llama's fields, rope_theta 2e6 and a tied head by default, layers without RoPE
     * (no_rope_layers).
     */
    static final LlamaConfigCodec SMOLLM3 = new LlamaConfigCodec(new Dialect(Architecture.SMOLLM3, Biases.FIELD,
            true, 32768, 1e-6, 0, 2_000_000.0, true, RopeFields.NOPE_LAYERS));

    private final Dialect dialect;

    private LlamaConfigCodec(Dialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int before = f.problemCount();
        int hidden = f.integer("hidden_size", 1);
        int heads = f.integer("num_attention_heads", 1);
        boolean sizesRead = f.problemCount() == before;
        int kvHeads = f.kvHeads(heads);
        int beforeHeadDim = f.problemCount();
        // head_dim is required only when the sizes were read and do not give it, not when hidden_size was bad
        int headDim = f.has("head_dim") || (sizesRead && dialect.defaultHeadDim() == 0 && hidden % heads != 0)
                ? f.integer("head_dim", 1)
                : dialect.defaultHeadDim() > 0 ? dialect.defaultHeadDim() : Math.max(1, hidden / heads);
        boolean headDimRead = sizesRead && f.problemCount() == beforeHeadDim;
        ExpertKeys moe = dialect.experts();
        int mlp = moe == null || moe.size() == null ? f.integer("intermediate_size", 1)
                : f.integer(moe.size(), 1, moe.defaultSize());
        int layers = f.integer("num_hidden_layers", 0);
        int vocab = f.integer("vocab_size", 1);
        int maxSeq = f.integer("max_position_embeddings", 1, dialect.defaultMaxPositions());
        double eps = f.number("rms_norm_eps", false, dialect.defaultEps());
        double theta = ropeTheta(f, dialect.defaultTheta());
        boolean tied = f.bool("tie_word_embeddings", dialect.defaultTied());
        AttentionConfig attention = attention(f, heads, kvHeads, headDim);
        f.choice("hidden_act", "silu", Set.of("silu"));
        boolean mlpBias = dialect.mlpBias() && f.bool("mlp_bias", false);
        RopeScaling scaling = HfRopeScalingCodec.read(f);
        // the rotary checks need the real head_dim; with a placeholder they would report faults the file lacks
        double fraction = headDimRead ? HfRopeParts.partialRotaryFactor(f,
                dialect.ropeFields() == RopeFields.PARTIAL_ROTARY, headDim) : 1.0;
        int rotated = (int) (headDim * fraction);
        if (headDimRead) {
            scaling.problems(rotated).forEach(p -> f.problem(p + " (head_dim " + headDim
                    + (rotated == headDim ? "" : ", " + rotated + " rotary dims") + ")"));
        }
        List<Integer> nope = dialect.ropeFields() == RopeFields.NOPE_LAYERS ? HfRopeParts.nopeLayers(f, layers)
                : List.of();
        MlpConfig mlpConfig = mlp(f, mlp, mlpBias);
        f.check();
        return f.consistent(() -> new TransformerConfig(dialect.architecture(), vocab, hidden, layers, maxSeq,
                attention, mlpConfig, eps, new Positions.Rope(theta, LAYOUT, scaling, fraction, nope), tied));
    }

    /** A SwiGLU MLP, or for a mixture-of-experts family as many experts of that size as the config says. */
    private MlpConfig mlp(ConfigFields f, int size, boolean bias) {
        MlpConfig dense = new MlpConfig(size, Activation.SWIGLU, bias);
        if (!dialect.architecture().mixtureOfExperts()) {
            return dense;
        }
        ExpertKeys keys = dialect.experts();
        int experts = f.integer(keys.count(), 1, keys.defaultCount());
        int topK = f.integer("num_experts_per_tok", 1, keys.defaultTopK());
        if (topK > experts) {
            f.problem("num_experts_per_tok " + topK + " exceeds " + keys.count() + " " + experts);
            topK = experts;
        }
        if (keys.shared() == null) {
            return dense.withExperts(experts, topK);
        }
        if (f.has("intermediate_size")) {
            f.integer("intermediate_size", 1); // the dense layers' width: none here, so unused but well-formed
        }
        if (f.integer("decoder_sparse_step", 1, 1) != 1 || !f.node("mlp_only_layers").isEmpty()) {
            f.problem("decoder_sparse_step " + f.node("decoder_sparse_step") + " and mlp_only_layers "
                    + f.node("mlp_only_layers") + " make some layers dense; grow4j models every layer alike, so only"
                    + " decoder_sparse_step 1 with no mlp_only_layers is read");
        }
        int shared = f.integer(keys.shared(), 1, keys.defaultShared());
        return dense.withExperts(experts, topK).withSharedExpert(shared, f.bool(keys.normTopK(), false));
    }

    private AttentionConfig attention(ConfigFields f, int heads, int kvHeads, int headDim) {
        return switch (dialect.biases()) {
            case FIELD -> new AttentionConfig(heads, kvHeads, headDim, headDim, f.bool("attention_bias", false));
            case NONE -> new AttentionConfig(heads, kvHeads, headDim, headDim, false);
            case QKV -> new AttentionConfig(heads, kvHeads, headDim, headDim, true, false);
        };
    }

    /** transformers 4.x keeps rope_theta at the top level; 5.x moves it into rope_parameters. */
    private static double ropeTheta(ConfigFields f, double defaultTheta) {
        if (!f.has("rope_parameters")) {
            return f.number("rope_theta", true, defaultTheta);
        }
        JsonNode p = f.node("rope_parameters");
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
                .put("mlp_bias", c.mlp().bias());
        if (dialect.biases() == Biases.FIELD) {
            json.put("attention_bias", a.bias());
        }
        // One spelling: a source's rope_parameters would otherwise contradict the rope_scaling written here.
        json.remove("rope_parameters");
        ObjectNode scaling = HfRopeScalingCodec.write(((Positions.Rope) c.positions()).scaling());
        if (scaling == null) {
            json.remove("rope_scaling");
        } else {
            json.set("rope_scaling", scaling);
        }
        ExpertKeys moe = dialect.experts();
        if (moe != null) {
            json.put(moe.count(), c.mlp().experts()).put("num_experts_per_tok", c.mlp().topK());
        }
        if (moe != null && moe.shared() != null) {
            json.put(moe.size(), c.mlp().size()).put(moe.shared(), c.mlp().sharedSize())
                    .put(moe.normTopK(), c.mlp().normTopK()).put("decoder_sparse_step", 1);
            json.putArray("mlp_only_layers");
        }
        switch (dialect.ropeFields()) {
            case WHOLE -> { }
            case PARTIAL_ROTARY -> HfRopeParts.writePartialRotaryFactor(c, json);
            case NOPE_LAYERS -> HfRopeParts.writeNopeLayers(c, json);
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
        ExpertKeys moe = dialect.experts();
        if (moe != null && moe.shared() == null && c.mlp().hasSharedExpert()) {
            problems.add(family + " has no shared expert; this model has one of size " + c.mlp().sharedSize());
        }
        if (moe != null && moe.shared() != null && !c.mlp().hasSharedExpert()) {
            problems.add(family + " always runs a shared expert; this model has none");
        }
        if (moe != null && moe.normTopK() == null && !c.mlp().normTopK()) {
            problems.add(family + " always renormalises the chosen experts' weights; this model does not"
                    + " (norm_topk_prob false)");
        }
        if (c.mlp().bias() && !dialect.mlpBias()) {
            problems.add("Hugging Face " + family + "'s MLP has no biases; this model has them");
        }
        if (c.positions() instanceof Positions.Rope rope
                && rope.scaling() instanceof RopeScaling.FrequencyDivisors) {
            problems.add("config.json has no field for per-pair RoPE frequency divisors (GGUF rope_freqs.weight): "
                    + "write GGUF instead");
        } else if (!c.usesRope()) {
            problems.add("Hugging Face " + family + " uses RoPE; this model has learned positions");
        }
        if (c.positions() instanceof Positions.Rope rope) {
            problems.addAll(HfRopeParts.problems(family, dialect.ropeFields(), c, rope));
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.of(LAYOUT);
    }
}
