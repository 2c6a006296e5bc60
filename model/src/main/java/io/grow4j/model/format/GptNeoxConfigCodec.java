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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Hugging Face {@code GPTNeoXConfig} (Pythia): hidden_size, num_hidden_layers, num_attention_heads (head size
 * hidden_size / num_attention_heads, one key/value head per query head), intermediate_size, layer_norm_eps,
 * hidden_act, use_parallel_residual (which of the two gpt_neox rows), attention_bias (on query_key_value and dense
 * alike), partial rotary as transformers 4.x spells it (rotary_pct, rotary_emb_base) or 5.x (rope_parameters with
 * partial_rotary_factor and rope_theta), defaults as configuration_gpt_neox.py has them. RoPE scaling is refused:
 * its interplay with the rotated part is not modelled. Written in the source's spelling (4.x for a fresh config).
 */
final class GptNeoxConfigCodec implements HfConfigCodec {
    /** transformers applies rotate_half within the rotated part of each head: pairs (i, i + d/2). */
    private static final RopeLayout LAYOUT = RopeLayout.HALF_SPLIT;
    /** hidden_act values grow4j computes, by transformers' ACT2FN name. */
    private static final Map<String, Activation> ACTIVATIONS =
            Map.of("gelu", Activation.GELU, "gelu_new", Activation.GELU_TANH, "relu", Activation.RELU);
    /** GPTNeoXConfig's rotary_pct default. */
    private static final double DEFAULT_FRACTION = 0.25;
    private static final Set<String> ROPE_PARAMETERS = Set.of("rope_type", "rope_theta", "partial_rotary_factor");

    @Override
    public TransformerConfig read(ConfigFields f) throws CheckpointException {
        int hidden = f.integer("hidden_size", 1);
        int heads = f.integer("num_attention_heads", 1);
        int layers = f.integer("num_hidden_layers", 0);
        int mlp = f.integer("intermediate_size", 1);
        int vocab = f.integer("vocab_size", 1);
        int maxSeq = f.integer("max_position_embeddings", 1, 2048);
        double eps = f.number("layer_norm_eps", false, 1e-5);
        String act = f.choice("hidden_act", "gelu", ACTIVATIONS.keySet());
        boolean parallel = f.bool("use_parallel_residual", true);
        boolean bias = f.bool("attention_bias", true);
        boolean tied = f.bool("tie_word_embeddings", false);
        if (hidden % heads != 0) {
            f.problem("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headSize = Math.max(1, hidden / heads);
        Positions.Rope rope = rope(f, headSize);
        f.check();
        Architecture architecture = parallel ? Architecture.GPT_NEOX : Architecture.GPT_NEOX_SEQUENTIAL;
        return f.consistent(() -> new TransformerConfig(architecture, vocab, hidden, layers, maxSeq,
                new AttentionConfig(heads, heads, headSize, headSize, bias),
                new MlpConfig(mlp, ACTIVATIONS.get(act), true), eps, rope, tied));
    }

    /** Partial rotary from rope_parameters (5.x) or rotary_pct and rotary_emb_base (4.x); scaling is refused. */
    private static Positions.Rope rope(ConfigFields f, int headSize) {
        if (f.has("rope_scaling")) {
            f.problem("rope_scaling " + f.node("rope_scaling") + " on gpt_neox is not supported: grow4j models"
                    + " GPT-NeoX's partial rotary without scaling");
        }
        double theta;
        double fraction;
        if (f.has("rope_parameters")) {
            if (!f.node("rope_parameters").isObject()) {
                f.problem("rope_parameters must be an object, got " + f.node("rope_parameters"));
                return new Positions.Rope(10000, LAYOUT);
            }
            ConfigFields p = f.nested("rope_parameters");
            p.choice("rope_type", "default", Set.of("default"));
            theta = p.number("rope_theta", true, 10000);
            fraction = HfRopeParts.fraction(p, "partial_rotary_factor", DEFAULT_FRACTION, headSize);
            Set<String> unknown = new TreeSet<>(p.names());
            unknown.removeAll(ROPE_PARAMETERS);
            if (!unknown.isEmpty()) {
                f.problem("rope_parameters has fields " + unknown + " that gpt_neox's default RoPE does not use");
            }
        } else {
            theta = f.number("rotary_emb_base", true, 10000);
            fraction = HfRopeParts.fraction(f, "rotary_pct", DEFAULT_FRACTION, headSize);
        }
        return new Positions.Rope(theta, LAYOUT, RopeScaling.NONE, fraction);
    }

    @Override
    public void write(TransformerConfig c, ObjectNode json) {
        AttentionConfig a = c.attention();
        Positions.Rope rope = (Positions.Rope) c.positions();
        json.put("hidden_size", c.hidden())
                .put("num_hidden_layers", c.layers())
                .put("num_attention_heads", a.queryHeads())
                .put("intermediate_size", c.mlp().size())
                .put("vocab_size", c.vocabSize())
                .put("max_position_embeddings", c.maxSeqLen())
                .put("layer_norm_eps", c.normEps())
                .put("hidden_act", c.mlp().activation().hfName())
                .put("use_parallel_residual", c.architecture().parallelResidual())
                .put("attention_bias", a.bias())
                .put("tie_word_embeddings", c.tiedEmbeddings());
        json.remove("rope_scaling");
        // One spelling, the source's: transformers 5.x saves rope_parameters, Pythia's published configs (and fresh
        // ones written here) rotary_pct and rotary_emb_base, which 5.x converts on reading.
        if (json.has("rope_parameters")) {
            json.remove(List.of("rotary_pct", "rotary_emb_base"));
            json.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", rope.theta())
                    .put("partial_rotary_factor", rope.fraction());
        } else {
            json.put("rotary_pct", rope.fraction()).put("rotary_emb_base", rope.theta());
        }
    }

    @Override
    public List<String> problems(TransformerConfig c) {
        List<String> problems = new ArrayList<>();
        if (!c.architecture().equals(Architecture.GPT_NEOX) && !c.architecture().equals(
                Architecture.GPT_NEOX_SEQUENTIAL)) {
            problems.add("the gpt_neox family holds GPT-NeoX models only, not " + c.architecture().id());
        }
        AttentionConfig a = c.attention();
        if (a.kvHeads() != a.queryHeads()) {
            problems.add("GPT-NeoX has one key/value head per query head; this model has " + a.queryHeads()
                    + " query heads over " + a.kvHeads() + " kv heads");
        }
        if ((long) a.queryHeads() * a.keySize() != c.hidden()) {
            problems.add("GPT-NeoX's head size is hidden_size / num_attention_heads = " + c.hidden() + " / "
                    + a.queryHeads() + ", but this model's is " + a.keySize() + ": grow heads or head_dim along with"
                    + " hidden so that heads × head size = hidden");
        }
        if (a.bias() != a.outputBias() || !c.mlp().bias()) {
            problems.add("GPT-NeoX has biases on query_key_value and dense alike (attention_bias) and on both MLP"
                    + " layers; this model has Q/K/V biases " + a.bias() + ", O bias " + a.outputBias() + ", MLP"
                    + " biases " + c.mlp().bias());
        }
        if (!ACTIVATIONS.containsValue(c.mlp().activation())) {
            problems.add("GPT-NeoX's MLP is gelu, gelu_new or relu; this model uses " + c.mlp().activation());
        }
        if (!(c.positions() instanceof Positions.Rope rope) || !(rope.scaling() instanceof RopeScaling.None)) {
            problems.add("GPT-NeoX uses (partial) RoPE without scaling; this model has " + c.positions());
        }
        return problems;
    }

    @Override
    public Optional<RopeLayout> storedRopeLayout() {
        return Optional.of(LAYOUT);
    }
}
