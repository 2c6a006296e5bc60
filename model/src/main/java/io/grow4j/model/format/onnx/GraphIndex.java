package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import io.grow4j.model.format.onnx.proto.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who produces and who reads each value of an ONNX graph, so pattern matching can walk the data flow in both
 * directions. Nodes are identified by their position in the graph (names are optional in ONNX and often empty).
 */
final class GraphIndex {
    private final GraphProto graph;
    private final Map<String, Integer> producers = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Set<String> graphInputs = new HashSet<>();

    GraphIndex(GraphProto graph) {
        this.graph = graph;
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (ValueInfoProto input : graph.getInputList()) {
            graphInputs.add(input.getName());
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            for (String output : node.getOutputList()) {
                producers.put(output, i);
            }
            for (String input : node.getInputList()) {
                if (!input.isEmpty()) {
                    consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(i);
                }
            }
        }
    }

    GraphProto graph() {
        return graph;
    }

    NodeProto node(int index) {
        return graph.getNode(index);
    }

    /**
     * Every value some node reads that nothing defines: a graph cut short (a truncated file that still parses, since
     * protobuf fields may end at any message boundary) or a corrupt one.
     */
    List<String> undefinedInputs() {
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String input : node(i).getInputList()) {
                if (!input.isEmpty() && !isDefined(input)) {
                    problems.add(describe(i) + " reads '" + input + "', which no node, initializer or graph input"
                            + " defines");
                }
            }
        }
        return problems;
    }

    private boolean isDefined(String value) {
        return producers.containsKey(value) || initializers.containsKey(value) || graphInputs.contains(value);
    }

    /** The index of the node that outputs {@code value}, or -1 for initializers and graph inputs. */
    int producer(String value) {
        return producers.getOrDefault(value, -1);
    }

    Optional<NodeProto> producerNode(String value) {
        int i = producer(value);
        return i < 0 ? Optional.empty() : Optional.of(node(i));
    }

    /** Indices of the nodes reading {@code value}, in graph order. */
    List<Integer> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** Consumers that read more than the shape of {@code value} (Shape nodes only look at its dimensions). */
    List<Integer> dataConsumers(String value) {
        return consumers(value).stream().filter(i -> !node(i).getOpType().equals("Shape")).toList();
    }

    TensorProto initializer(String name) {
        return initializers.get(name);
    }

    boolean isInitializer(String name) {
        return initializers.containsKey(name);
    }

    boolean isGraphInput(String name) {
        return graphInputs.contains(name) && !initializers.containsKey(name);
    }

    boolean isGraphOutput(String name) {
        return graph.getOutputList().stream().anyMatch(o -> o.getName().equals(name));
    }

    /**
     * The value of a constant: an initializer, or the output of a Constant node (its value attribute or one of the
     * value_float, value_int and value_ints shorthands). Empty for computed values.
     */
    Optional<double[]> constant(String name) {
        TensorProto init = initializers.get(name);
        if (init != null) {
            return Optional.of(TensorValues.read(init));
        }
        int p = producer(name);
        if (p < 0 || !node(p).getOpType().equals("Constant")) {
            return Optional.empty();
        }
        for (AttributeProto a : node(p).getAttributeList()) {
            switch (a.getName()) {
                case "value" -> {
                    return Optional.of(TensorValues.read(a.getT()));
                }
                case "value_float" -> {
                    return Optional.of(new double[] {a.getF()});
                }
                case "value_int" -> {
                    return Optional.of(new double[] {a.getI()});
                }
                case "value_ints" -> {
                    return Optional.of(a.getIntsList().stream().mapToDouble(Long::doubleValue).toArray());
                }
                default -> {
                    // Other Constant attributes (strings, sparse values) are not numbers we could use.
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code name} is an initializer or a Constant node's output (without decoding its values). */
    boolean isConstant(String name) {
        int p = producer(name);
        return initializers.containsKey(name) || (p >= 0 && node(p).getOpType().equals("Constant"));
    }

    /** A node for messages: its name, or its op and position when it has none. */
    String describe(int index) {
        NodeProto n = node(index);
        return n.getName().isEmpty() ? n.getOpType() + " node #" + index : "node " + n.getName() + " (" + n.getOpType()
                + ")";
    }
}
