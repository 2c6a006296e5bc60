package io.grow4j.model.format.onnx;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Maps a BERT encoder graph to grow4j's roles by walking its residual stream: embeddings, then layer after layer
 * while Linears read the current hidden state, then the graph output and an optional pooler. Every float initializer
 * must end up with a role, so nothing the function depends on is silently left behind (a task head, say).
 */
final class BertGraphMapper {
    private final GraphIndex g;
    private final Map<TensorKey, WeightSite> weights = new HashMap<>();
    private final List<ConstantBinding> constants = new ArrayList<>();

    private BertGraphMapper(GraphIndex g) {
        this.g = g;
    }

    static BertGraphLayout map(GraphIndex g) {
        List<String> undefined = g.undefinedInputs();
        if (!undefined.isEmpty()) {
            throw new GraphMappingException("the graph is incomplete (truncated or corrupt): " + undefined.getFirst()
                    + (undefined.size() > 1 ? " (and " + (undefined.size() - 1) + " more)" : ""));
        }
        return new BertGraphMapper(g).map();
    }

    private BertGraphLayout map() {
        EmbeddingMatch embeddings = EmbeddingMatch.find(g);
        putEmbeddings(embeddings);
        List<EncoderLayerMatch> layers = new ArrayList<>();
        String x = embeddings.norm().output();
        while (!Linear.readersOf(g, x).isEmpty()) {
            EncoderLayerMatch layer = EncoderLayerMatch.at(g, x, layers.size());
            putLayer(layer, layers.size());
            layers.add(layer);
            x = layer.output();
        }
        if (layers.isEmpty()) {
            throw new GraphMappingException("no encoder layer reads the embedding LayerNorm output '" + x + "'");
        }
        checkOutput(x);
        Optional<PoolerMatch> pooler = PoolerMatch.at(g, x);
        pooler.ifPresent(p -> {
            put(Role.POOLER, -1, p.weight(), p.transposed());
            put(Role.POOLER_BIAS, -1, p.bias(), false);
        });
        checkEverythingMapped();
        TransformerConfig config = config(embeddings, layers, pooler.isPresent());
        List<String> outputs = new ArrayList<>(List.of(x));
        pooler.ifPresent(p -> outputs.add(p.output()));
        return new BertGraphLayout(config, weights, constants, outputs);
    }

    private void putEmbeddings(EmbeddingMatch e) {
        put(Role.TOKEN_EMBEDDING, -1, e.tokens(), false);
        put(Role.POSITION_EMBEDDING, -1, e.positions(), false);
        if (e.tokenTypes() != null) {
            put(Role.TOKEN_TYPE_EMBEDDING, -1, e.tokenTypes(), false);
        }
        putNorm(e.norm(), Role.EMBEDDING_NORM, Role.EMBEDDING_NORM_BIAS, -1);
    }

    private void putLayer(EncoderLayerMatch m, int layer) {
        AttentionMatch a = m.attention();
        putLinear(a.query(), Role.WQ, Role.BQ, layer);
        putLinear(a.key(), Role.WK, Role.BK, layer);
        putLinear(a.value(), Role.WV, Role.BV, layer);
        putLinear(a.output(), Role.WO, Role.BO, layer);
        putLinear(m.up(), Role.W_UP, Role.B_UP, layer);
        putLinear(m.down(), Role.W_DOWN, Role.B_DOWN, layer);
        putNorm(m.attentionNorm(), Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, layer);
        putNorm(m.mlpNorm(), Role.MLP_NORM, Role.MLP_NORM_BIAS, layer);
        constants.addAll(a.constants());
    }

    private void putLinear(Linear l, Role weight, Role bias, int layer) {
        put(weight, layer, l.weight(), true);
        put(bias, layer, l.bias(), false);
    }

    private void putNorm(LayerNormMatch n, Role gain, Role bias, int layer) {
        put(gain, layer, n.gain(), false);
        put(bias, layer, n.bias(), false);
        constants.add(n.epsilonBinding());
    }

    private void put(Role role, int layer, String initializer, boolean transposed) {
        TensorKey key = role.perLayer() ? TensorKey.of(role, layer) : TensorKey.global(role);
        for (Map.Entry<TensorKey, WeightSite> e : weights.entrySet()) {
            if (e.getValue().initializer().equals(initializer)) {
                throw new GraphMappingException("initializer '" + initializer + "' serves both as " + e.getKey()
                        + " and as " + key + ": shared weights cannot grow independently");
            }
        }
        weights.put(key, new WeightSite(initializer, transposed));
    }

    /** The last hidden state leaves the graph as is (a pooler may read it as well, never a task head). */
    private void checkOutput(String x) {
        if (!g.isGraphOutput(x)) {
            throw new GraphMappingException("the last layer's output '" + x + "' is not a graph output (read by "
                    + Patterns.describe(g, g.consumers(x)) + "): task heads are not supported");
        }
    }

    private void checkEverythingMapped() {
        Set<String> mapped = new HashSet<>();
        weights.values().forEach(w -> mapped.add(w.initializer()));
        for (TensorProto t : g.graph().getInitializerList()) {
            boolean weightLike = isFloat(t) && t.getDimsCount() >= 1 && elements(t) > 1;
            if (weightLike && !mapped.contains(t.getName())) {
                throw new GraphMappingException("initializer '" + t.getName() + "' of shape " + t.getDimsList()
                        + " is not part of a BERT encoder grow4j can map (read by "
                        + Patterns.describe(g, g.consumers(t.getName())) + ")");
            }
        }
    }

    private TransformerConfig config(EmbeddingMatch e, List<EncoderLayerMatch> layers, boolean pooler) {
        EncoderLayerMatch first = layers.getFirst();
        AttentionMatch a = first.attention();
        double eps = e.norm().epsilon();
        Activation activation = first.activation();
        for (int i = 0; i < layers.size(); i++) {
            EncoderLayerMatch l = layers.get(i);
            checkSame("layer " + i, l.attention().heads() + "x" + l.attention().headSize(), a.heads() + "x"
                    + a.headSize(), "heads x head size");
            checkSame("layer " + i, l.activation(), activation, "activation");
            for (LayerNormMatch n : List.of(l.attentionNorm(), l.mlpNorm())) {
                checkSame("LayerNorm of '" + n.input() + "'", n.epsilon(), eps, "epsilon");
            }
        }
        int hidden = dim(e.tokens(), 1);
        int ffn = Math.toIntExact(first.up().outFeatures(g));
        return new TransformerConfig(Architecture.BERT, dim(e.tokens(), 0), hidden, layers.size(),
                dim(e.positions(), 0), new AttentionConfig(a.heads(), a.heads(), a.headSize(), a.headSize(), true),
                new MlpConfig(ffn, activation, true), eps, new Positions.Learned(), false,
                e.tokenTypes() == null ? 0 : dim(e.tokenTypes(), 0), pooler);
    }

    private static void checkSame(String where, Object actual, Object expected, String what) {
        if (!actual.equals(expected)) {
            throw new GraphMappingException(where + ": " + what + " " + actual + " differs from the first layer's "
                    + expected + "; grow4j needs one value for the whole model");
        }
    }

    private int dim(String initializer, int axis) {
        return Math.toIntExact(g.initializer(initializer).getDims(axis));
    }

    private static boolean isFloat(TensorProto t) {
        int type = t.getDataType();
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    private static long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }
}
