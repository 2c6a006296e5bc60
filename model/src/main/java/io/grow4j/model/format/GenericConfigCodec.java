package io.grow4j.model.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * grow4j's own config.json for the paper's generic decoder. Every field is required and unknown fields are refused:
 * the schema is ours, so anything unexpected means a file from a different version or a typo, not something to skip.
 * Key size and value size per head are separate fields because attention expansion and heads expansion change them
 * independently.
 */
final class GenericConfigCodec implements HfConfigCodec {
    static final int FORMAT_VERSION = 1;
    private static final Set<String> ACTIVATIONS =
            Arrays.stream(Activation.values()).map(Activation::hfName).collect(Collectors.toSet());
    private static final Set<String> LAYOUTS =
            Arrays.stream(RopeLayout.values()).map(l -> l.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int version = f.integer("format_version", 1);
        if (version != FORMAT_VERSION) {
            f.problem("format_version " + version + " is not supported (this grow4j reads " + FORMAT_VERSION + ")");
        }
        int heads = f.integer("num_attention_heads", 1);
        int kvHeads = f.integer("num_key_value_heads", 1);
        int keySize = f.integer("key_size", 1);
        int valueSize = f.integer("value_size", 1);
        boolean attentionBias = f.bool("attention_bias");
        String act = f.choice("hidden_act", null, ACTIVATIONS);
        int mlpSize = f.integer("intermediate_size", 1);
        boolean mlpBias = f.bool("mlp_bias");
        int vocab = f.integer("vocab_size", 1);
        int hidden = f.integer("hidden_size", 1);
        int layers = f.integer("num_hidden_layers", 0);
        int maxSeq = f.integer("max_position_embeddings", 1);
        double eps = f.number("rms_norm_eps", false);
        boolean tied = f.bool("tie_word_embeddings");
        Positions positions = positions(f);
        f.rejectUnread();
        f.check();
        return f.consistent(() -> {
            AttentionConfig attention = new AttentionConfig(heads, kvHeads, keySize, valueSize, attentionBias);
            return new TransformerConfig(Architecture.GENERIC, vocab, hidden, layers, maxSeq, attention,
                    new MlpConfig(mlpSize, Activation.fromHf(act), mlpBias), eps, positions, tied);
        });
    }

    private static Positions positions(ConfigFields f) {
        String kind = f.choice("position_embedding", null, Set.of("learned", "rope"));
        if (!"rope".equals(kind)) {
            return new Positions.Learned();
        }
        double theta = f.number("rope_theta", true);
        String layout = f.choice("rope_layout", null, LAYOUTS);
        return new Positions.Rope(theta, layout == null ? RopeLayout.INTERLEAVED
                : RopeLayout.valueOf(layout.toUpperCase(Locale.ROOT)));
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        AttentionConfig a = c.attention();
        json.put("format_version", FORMAT_VERSION)
                .put("hidden_size", c.hidden())
                .put("intermediate_size", c.mlp().size())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", a.queryHeads())
                .put("num_key_value_heads", a.kvHeads())
                .put("key_size", a.keySize())
                .put("value_size", a.valueSize())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxSeqLen())
                .put("rms_norm_eps", c.normEps())
                .put("tie_word_embeddings", c.tiedEmbeddings())
                .put("hidden_act", c.mlp().activation().hfName())
                .put("attention_bias", a.bias())
                .put("mlp_bias", c.mlp().bias());
        switch (c.positions()) {
            case Positions.Learned l -> json.put("position_embedding", "learned");
            case Positions.Rope r -> json.put("position_embedding", "rope")
                    .put("rope_theta", r.theta())
                    .put("rope_layout", r.layout().name().toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        if (!c.architecture().equals(Architecture.GENERIC)) {
            return List.of("the grow4j-generic family holds generic models only, not " + c.architecture().id());
        }
        if (c.positions() instanceof Positions.Rope r && !(r.scaling() instanceof RopeScaling.None)) {
            return List.of("the grow4j-generic config has no RoPE scaling field; this model uses "
                    + r.scaling().describe());
        }
        return List.of();
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.empty();
    }
}
