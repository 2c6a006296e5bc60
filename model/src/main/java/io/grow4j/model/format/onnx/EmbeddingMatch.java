package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * BERT's embeddings: Gathers from the token, position and (optional) token-type tables, summed by Adds, then a
 * LayerNorm. Tables are told apart by what indexes them: the graph input input_ids (or, unnamed, the graph input
 * with the largest table) for tokens, token_type_ids for types, and position_ids or a computed range for positions.
 */
record EmbeddingMatch(String tokens, String positions, String tokenTypes, LayerNormMatch norm) {

    static EmbeddingMatch find(GraphIndex g) {
        String tokens = null;
        String positions = null;
        String types = null;
        List<Integer> gathers = new ArrayList<>();
        for (int i = 0; i < g.graph().getNodeCount(); i++) {
            NodeProto n = g.node(i);
            if (!n.getOpType().equals("Gather") || !isTable(g, n.getInput(0))) {
                continue;
            }
            gathers.add(i);
            String indices = n.getInput(1);
            String table = n.getInput(0);
            if (!g.isGraphInput(indices) || indices.equals("position_ids")) {
                positions = unique(positions, table, "position", g, i);
            } else if (indices.equals("token_type_ids")) {
                types = unique(types, table, "token-type", g, i);
            } else if (tokens == null || rows(g, table) > rows(g, tokens)) {
                types = tokens == null ? types : unique(types, tokens, "token-type", g, i);
                tokens = table;
            } else {
                types = unique(types, table, "token-type", g, i);
            }
        }
        if (tokens == null || positions == null) {
            throw new GraphMappingException("embeddings: expected Gathers from a token table indexed by a graph input"
                    + " and from a position table, found " + (gathers.isEmpty() ? "no Gather of a table"
                    : Patterns.describe(g, gathers)));
        }
        String sum = embeddingSum(g, gathers);
        return new EmbeddingMatch(tokens, positions, types, LayerNormMatch.at(g, sum, "embedding LayerNorm"));
    }

    /** Follows the Adds from the first table Gather until every table's Gather has been summed in. */
    private static String embeddingSum(GraphIndex g, List<Integer> gathers) {
        Set<String> pending = new HashSet<>();
        for (int i : gathers) {
            pending.add(g.node(i).getOutput(0));
        }
        String value = g.node(gathers.getFirst()).getOutput(0);
        pending.remove(value);
        while (!pending.isEmpty()) {
            int add = Patterns.consumer(g, value, "Add", "embeddings sum");
            String other = Patterns.otherInput(g.node(add), value);
            if (!pending.remove(other) && !isSumOf(g, other, pending)) {
                throw new GraphMappingException("embeddings sum: " + g.describe(add) + " adds '" + other + "', not an"
                        + " embedding lookup (still to add: " + pending + ")");
            }
            value = g.node(add).getOutput(0);
        }
        return value;
    }

    /** A sum of two pending lookups computed on the side (token + type, then + the first gather's table). */
    private static boolean isSumOf(GraphIndex g, String value, Set<String> pending) {
        NodeProto n = g.producerNode(value).orElse(null);
        if (n == null || !n.getOpType().equals("Add") || !pending.containsAll(n.getInputList())) {
            return false;
        }
        n.getInputList().forEach(pending::remove);
        return true;
    }

    private static String unique(String seen, String table, String kind, GraphIndex g, int node) {
        if (seen != null && !seen.equals(table)) {
            throw new GraphMappingException("embeddings: two " + kind + " tables, '" + seen + "' and '" + table + "' ("
                    + g.describe(node) + ")");
        }
        return table;
    }

    private static boolean isTable(GraphIndex g, String name) {
        TensorProto t = g.initializer(name);
        return t != null && t.getDimsCount() == 2 && t.getDataType() != TensorProto.DataType.INT64_VALUE;
    }

    private static long rows(GraphIndex g, String table) {
        return g.initializer(table).getDims(0);
    }
}
