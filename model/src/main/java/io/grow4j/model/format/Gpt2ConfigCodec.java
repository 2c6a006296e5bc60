package io.grow4j.model.format;

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
import java.util.Map;
import java.util.Optional;

/**
 * Hugging Face {@code GPT2Config}: n_embd, n_layer, n_head, n_positions, n_inner (null: 4·n_embd),
 * layer_norm_epsilon, activation_function, defaults as transformers has them. GPT-2 derives its head size as
 * n_embd / n_head and has as many key/value heads as query heads, so only such models can be written; switches that
 * change attention in ways grow4j does not model (no 1/sqrt(d) scaling, per-layer scaling, cross-attention) are
 * refused.
 */
final class Gpt2ConfigCodec implements HfConfigCodec {
    /** activation_function values and what they compute; gelu_new is GPT-2's tanh approximation. */
    private static final Map<String, Activation> ACTIVATIONS =
            Map.of("gelu_new", Activation.GELU_TANH, "gelu", Activation.GELU, "relu", Activation.RELU);

    @Override
    public String layersField() {
        return "n_layer";
    }

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = aliased(f, "n_embd", "hidden_size", 1, 768);
        int layers = aliased(f, "n_layer", "num_hidden_layers", 0, 12);
        int heads = aliased(f, "n_head", "num_attention_heads", 1, 12);
        int maxSeq = aliased(f, "n_positions", "max_position_embeddings", 1, 1024);
        int inner = f.integer("n_inner", 1, 4 * hidden);
        int vocab = f.integer("vocab_size", 1, 50257);
        double eps = f.number("layer_norm_epsilon", false, 1e-5);
        String act = f.choice("activation_function", "gelu_new", ACTIVATIONS.keySet());
        boolean tied = f.bool("tie_word_embeddings", true);
        if (!f.bool("scale_attn_weights", true)) {
            f.problem("scale_attn_weights false drops the 1/sqrt(head size) of attention, which grow4j does not model");
        }
        if (f.bool("scale_attn_by_inverse_layer_idx", false)) {
            f.problem("scale_attn_by_inverse_layer_idx true scales attention per layer, which grow4j does not model");
        }
        if (f.bool("add_cross_attention", false)) {
            f.problem("add_cross_attention true adds encoder-decoder attention, which grow4j does not model");
        }
        if (hidden % heads != 0) {
            f.problem("n_embd " + hidden + " is not a multiple of n_head " + heads);
        }
        f.check();
        return f.consistent(() -> {
            int headSize = hidden / heads;
            return new TransformerConfig(Architecture.GPT2, vocab, hidden, layers, maxSeq,
                    new AttentionConfig(heads, heads, headSize, headSize, true),
                    new MlpConfig(inner, ACTIVATIONS.get(act), true), eps, new Positions.Learned(), tied);
        });
    }

    /**
     * GPT2Config's {@code attribute_map} makes hidden_size, num_hidden_layers, num_attention_heads and
     * max_position_embeddings other names of n_embd, n_layer, n_head and n_positions: transformers sets the GPT-2
     * field from either, so a config written with the common names must not fall back to GPT-2 small's sizes.
     * Both names with different values is a broken config.
     */
    private static int aliased(ConfigFields f, String field, String alias, int min, int absent) {
        int value = f.integer(field, min, absent);
        if (!f.has(alias)) {
            return value;
        }
        int other = f.integer(alias, min, absent);
        if (f.has(field) && other != value) {
            f.problem(field + " " + value + " and its other name " + alias + " " + other + " differ");
        }
        return other;
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        json.put("n_embd", c.hidden())
                .put("n_layer", c.layers())
                .put("n_head", c.attention().queryHeads())
                .put("n_positions", c.maxSeqLen())
                .put("n_inner", c.mlp().size())
                .put("vocab_size", c.vocabSize())
                .put("layer_norm_epsilon", c.normEps())
                .put("activation_function", c.mlp().activation().hfName())
                .put("tie_word_embeddings", c.tiedEmbeddings())
                .put("scale_attn_weights", true);
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        if (!c.architecture().equals(Architecture.GPT2)) {
            problems.add("the gpt2 family holds GPT-2 models only, not " + c.architecture().id());
        }
        AttentionConfig a = c.attention();
        if (a.kvHeads() != a.queryHeads()) {
            problems.add("GPT-2 has one key/value head per query head; this model has " + a.queryHeads()
                    + " query heads over " + a.kvHeads() + " kv heads");
        }
        if ((long) a.queryHeads() * a.keySize() != c.hidden()) {
            problems.add("GPT-2's head size is n_embd / n_head = " + c.hidden() + " / " + a.queryHeads()
                    + ", but this model's is " + a.keySize() + ": grow heads or head_dim along with hidden so that"
                    + " heads × head size = hidden");
        }
        if (!a.bias() || !a.outputBias() || !c.mlp().bias()) {
            problems.add("GPT-2 has biases on every projection; this model lacks some");
        }
        if (!ACTIVATIONS.containsValue(c.mlp().activation())) {
            problems.add("GPT-2's MLP is gelu_new, gelu or relu; this model uses " + c.mlp().activation());
        }
        if (!(c.positions() instanceof Positions.Learned)) {
            problems.add("GPT-2 has learned positions; this model uses " + c.positions());
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.empty();
    }
}
