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
import java.util.Set;

/**
 * Hugging Face {@code BertConfig} for a {@code BertModel} encoder, defaults as transformers has them. BERT derives
 * its head size as hidden_size / num_attention_heads, so only models whose heads tile the hidden size can be
 * written. Whether the checkpoint has a pooler is not in config.json: the tensors say ({@link HfFamily}). Relative
 * position embeddings and decoder use change the function and are refused.
 */
final class BertConfigCodec implements HfConfigCodec {
    private static final Map<String, Activation> ACTIVATIONS =
            Map.of("gelu", Activation.GELU, "gelu_new", Activation.GELU_TANH, "relu", Activation.RELU);

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = f.integer("hidden_size", 1, 768);
        int layers = f.integer("num_hidden_layers", 0, 12);
        int heads = f.integer("num_attention_heads", 1, 12);
        int inner = f.integer("intermediate_size", 1, 3072);
        int vocab = f.integer("vocab_size", 1, 30522);
        int maxSeq = f.integer("max_position_embeddings", 1, 512);
        int types = f.integer("type_vocab_size", 1, 2);
        double eps = f.number("layer_norm_eps", false, 1e-12);
        String act = f.choice("hidden_act", "gelu", ACTIVATIONS.keySet());
        f.choice("position_embedding_type", "absolute", Set.of("absolute"));
        if (f.bool("is_decoder", false)) {
            f.problem("is_decoder true makes BERT attend causally, which the bert family does not model");
        }
        if (f.bool("add_cross_attention", false)) {
            f.problem("add_cross_attention true adds encoder-decoder attention, which grow4j does not model");
        }
        if (hidden % heads != 0) {
            f.problem("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        f.check();
        return f.consistent(() -> {
            int headSize = hidden / heads;
            return new TransformerConfig(Architecture.BERT, vocab, hidden, layers, maxSeq,
                    new AttentionConfig(heads, heads, headSize, headSize, true),
                    new MlpConfig(inner, ACTIVATIONS.get(act), true), eps, new Positions.Learned(), false, types);
        });
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        json.put("hidden_size", c.hidden())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", c.attention().queryHeads())
                .put("intermediate_size", c.mlp().size())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxSeqLen())
                .put("type_vocab_size", c.typeVocabSize())
                .put("layer_norm_eps", c.normEps())
                .put("hidden_act", c.mlp().activation().hfName())
                .put("position_embedding_type", "absolute");
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        if (!c.architecture().equals(Architecture.BERT)) {
            problems.add("the bert family holds BERT encoders only, not " + c.architecture().id());
        }
        AttentionConfig a = c.attention();
        if (a.kvHeads() != a.queryHeads()) {
            problems.add("BERT has one key/value head per query head; this model has " + a.queryHeads()
                    + " query heads over " + a.kvHeads() + " kv heads");
        }
        if ((long) a.queryHeads() * a.keySize() != c.hidden()) {
            problems.add("BERT's head size is hidden_size / num_attention_heads = " + c.hidden() + " / "
                    + a.queryHeads() + ", but this model's is " + a.keySize() + ": grow heads or head_dim along with"
                    + " hidden so that heads × head size = hidden");
        }
        if (!a.bias() || !a.outputBias() || !c.mlp().bias()) {
            problems.add("BERT has biases on every projection; this model lacks some");
        }
        if (!ACTIVATIONS.containsValue(c.mlp().activation())) {
            problems.add("BERT's MLP is gelu, gelu_new or relu; this model uses " + c.mlp().activation());
        }
        if (c.typeVocabSize() == 0) {
            problems.add("transformers' BERT always adds token-type embeddings; this model has none");
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.empty();
    }
}
