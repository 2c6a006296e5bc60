package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

import java.util.List;
import java.util.stream.Collectors;

/** Small steps of pattern matching over a {@link GraphIndex}, each failing with the value and nodes it saw. */
final class Patterns {
    private Patterns() {
    }

    /** The one node of type {@code op} reading {@code value}; {@code context} says what the match was looking for. */
    static int consumer(GraphIndex g, String value, String op, String context) {
        List<Integer> matches = g.dataConsumers(value).stream()
                .filter(i -> g.node(i).getOpType().equals(op)).toList();
        if (matches.size() != 1) {
            throw new GraphMappingException(context + ": expected one " + op + " reading '" + value + "', found "
                    + (matches.isEmpty() ? "none (readers: " + describe(g, g.consumers(value)) + ")"
                    : describe(g, matches)));
        }
        return matches.getFirst();
    }

    /** The one node reading {@code value} beyond its shape, whatever its type. */
    static int onlyConsumer(GraphIndex g, String value, String context) {
        List<Integer> readers = g.dataConsumers(value);
        if (readers.size() != 1) {
            throw new GraphMappingException(context + ": expected one node reading '" + value + "', found "
                    + (readers.isEmpty() ? "none" : describe(g, readers)));
        }
        return readers.getFirst();
    }

    /** The input of a two-input node that is not {@code value}. */
    static String otherInput(NodeProto node, String value) {
        if (node.getInputCount() != 2) {
            throw new GraphMappingException("node " + name(node) + " (" + node.getOpType() + ") has "
                    + node.getInputCount() + " inputs, expected 2");
        }
        return node.getInput(0).equals(value) ? node.getInput(1) : node.getInput(0);
    }

    /** The initializer among a two-input node's inputs besides {@code value}, or an error naming the node. */
    static String initializerInput(GraphIndex g, int node, String value, String what) {
        String other = otherInput(g.node(node), value);
        if (!g.isInitializer(other)) {
            throw new GraphMappingException(g.describe(node) + ": expected " + what + " as an initializer, found computed"
                    + " value '" + other + "'");
        }
        return other;
    }

    static String describe(GraphIndex g, List<Integer> nodes) {
        return nodes.stream().map(g::describe).collect(Collectors.joining(", "));
    }

    static String name(NodeProto node) {
        return node.getName().isEmpty() ? "(unnamed)" : node.getName();
    }
}
