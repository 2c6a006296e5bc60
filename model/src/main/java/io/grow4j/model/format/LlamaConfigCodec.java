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
 * Hugging Face {@code LlamaConfig}. Optional fields default as transformers does, so a config.json means here what it
 * means there. Fields that change the function in ways grow4j does not model (rope_scaling, gated MLP biases, other
 * activations) are refused rather than ignored.
 */
final class LlamaConfigCodec implements HfConfigCodec {
    /** transformers applies rotate_half: pairs (i, i + d/2). */
    private static final RopeLayout LAYOUT = RopeLayout.HALF_SPLIT;

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = f.integer("hidden_size", 1);
        int heads = f.integer("num_attention_heads", 1);
        int kvHeads = f.integer("num_key_value_heads", 1, heads);
        int headDim = f.has("head_dim") || hidden % heads != 0 ? f.integer("head_dim", 1) : hidden / heads;
        int mlp = f.integer("intermediate_size", 1);
        int layers = f.integer("num_hidden_layers", 0);
        int vocab = f.integer("vocab_size", 1);
        int maxSeq = f.integer("max_position_embeddings", 1, 2048);
        double eps = f.number("rms_norm_eps", false, 1e-6);
        double theta = ropeTheta(f);
        boolean tied = f.bool("tie_word_embeddings", false);
        boolean attentionBias = f.bool("attention_bias", false);
        f.choice("hidden_act", "silu", Set.of("silu"));
        if (f.bool("mlp_bias", false)) {
            f.problem("mlp_bias true puts a bias on gate_proj too, which grow4j does not model");
        }
        if (f.has("rope_scaling")) {
            f.problem("rope_scaling " + f.node("rope_scaling") + " is not supported (plain RoPE only)");
        }
        f.check();
        try {
            return new TransformerConfig(Architecture.LLAMA, vocab, hidden, layers, maxSeq,
                    new AttentionConfig(heads, kvHeads, headDim, headDim, attentionBias),
                    new MlpConfig(mlp, Activation.SWIGLU, false), eps, new Positions.Rope(theta, LAYOUT), tied);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(f.file(), "inconsistent config: " + e.getMessage(), e);
        }
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
                .put("attention_bias", a.bias())
                .put("mlp_bias", false);
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        if (c.architecture() != Architecture.LLAMA) {
            problems.add("the llama family holds Llama models only, not " + c.architecture().id());
        }
        if (c.mlp().activation() != Activation.SWIGLU) {
            problems.add("Hugging Face Llama's MLP is SwiGLU; this model uses " + c.mlp().activation());
        }
        if (c.mlp().bias()) {
            problems.add("Hugging Face Llama's mlp_bias also biases gate_proj; this model has up/down biases only");
        }
        if (!c.usesRope()) {
            problems.add("Hugging Face Llama uses RoPE; this model has learned positions");
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.of(LAYOUT);
    }
}
