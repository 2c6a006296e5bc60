package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A chain of single-reader nodes from a value to the first node that is not one of the pass-through ops
 * ({@code stop}, which reads the chain's last value as input {@code slot}). Mul and Div pass only with a constant
 * operand (a scale), Add only with a computed one (the attention mask).
 */
record DataPath(List<Integer> nodes, int stop, int slot) {

    static DataPath follow(GraphIndex g, String from, Set<String> passThrough, String context) {
        List<Integer> nodes = new ArrayList<>();
        String value = from;
        while (true) {
            int next = Patterns.onlyConsumer(g, value, context);
            NodeProto n = g.node(next);
            if (!passes(g, n, value, passThrough)) {
                return new DataPath(List.copyOf(nodes), next, n.getInputList().indexOf(value));
            }
            nodes.add(next);
            value = n.getOutput(0);
        }
    }

    private static boolean passes(GraphIndex g, NodeProto n, String value, Set<String> passThrough) {
        String op = n.getOpType();
        if (!passThrough.contains(op)) {
            return false;
        }
        return switch (op) {
            case "Mul" -> g.isConstant(Patterns.otherInput(n, value));
            case "Div" -> n.getInput(0).equals(value) && g.isConstant(n.getInput(1));
            case "Add" -> !g.isConstant(Patterns.otherInput(n, value));
            default -> true;
        };
    }

    /** The nodes of type {@code op} on the path. */
    List<Integer> ofType(GraphIndex g, String op) {
        return nodes.stream().filter(i -> g.node(i).getOpType().equals(op)).toList();
    }

    /** The value the path ends in (what {@code stop} reads). */
    String end(GraphIndex g) {
        return g.node(stop).getInput(slot);
    }
}
