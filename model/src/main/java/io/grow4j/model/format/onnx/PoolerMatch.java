package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

import java.util.List;
import java.util.Optional;

/**
 * BERT's pooler on the last hidden state x: the first position's state, a dense layer and tanh,
 * <pre>
 *   x ─ Gather(axis 1, index 0) ─ Gemm(W, b) or MatMul(W) + b ─ Tanh ─ pooler_output
 * </pre>
 * Gemm keeps W [out, in] when transB = 1 (how PyTorch exports a Linear on a matrix) and [in, out] otherwise.
 */
record PoolerMatch(String weight, boolean transposed, String bias, String output) {

    /** The pooler reading {@code x}, or empty when nothing but the graph output reads it. */
    static Optional<PoolerMatch> at(GraphIndex g, String x) {
        List<Integer> readers = g.dataConsumers(x);
        if (readers.isEmpty()) {
            return Optional.empty();
        }
        if (readers.size() != 1 || !isFirstPosition(g, readers.getFirst())) {
            throw new GraphMappingException("the last hidden state '" + x + "' is read by "
                    + Patterns.describe(g, readers) + ", not by a pooler (Gather of position 0, dense, Tanh): task"
                    + " heads are not supported");
        }
        String first = g.node(readers.getFirst()).getOutput(0);
        int dense = Patterns.onlyConsumer(g, first, "pooler");
        NodeProto n = g.node(dense);
        PoolerMatch match = switch (n.getOpType()) {
            case "Gemm" -> gemm(g, dense);
            case "MatMul" -> {
                Linear linear = Linear.at(g, dense);
                yield new PoolerMatch(linear.weight(), true, linear.bias(), linear.output());
            }
            default -> throw new GraphMappingException("pooler: expected Gemm or MatMul after the first position,"
                    + " found " + g.describe(dense));
        };
        int tanh = Patterns.consumer(g, match.output(), "Tanh", "pooler activation");
        String pooled = g.node(tanh).getOutput(0);
        if (!g.isGraphOutput(pooled) || !g.consumers(pooled).isEmpty()) {
            throw new GraphMappingException("pooler output '" + pooled + "' must be a graph output read by nothing"
                    + " else: task heads are not supported");
        }
        return Optional.of(new PoolerMatch(match.weight(), match.transposed(), match.bias(), pooled));
    }

    private static boolean isFirstPosition(GraphIndex g, int node) {
        NodeProto n = g.node(node);
        if (!n.getOpType().equals("Gather") || !g.isConstant(n.getInput(1))) {
            return false;
        }
        double[] index = g.constant(n.getInput(1)).orElseThrow();
        return index.length == 1 && index[0] == 0 && intAttribute(n, "axis", 0) == 1;
    }

    private static PoolerMatch gemm(GraphIndex g, int node) {
        NodeProto n = g.node(node);
        boolean plain = intAttribute(n, "transA", 0) == 0 && floatAttribute(n, "alpha") == 1
                && floatAttribute(n, "beta") == 1;
        if (!plain || n.getInputCount() != 3 || !g.isInitializer(n.getInput(1)) || !g.isInitializer(n.getInput(2))) {
            throw new GraphMappingException("pooler: " + g.describe(node) + " is not x·W + b with initializers W and b"
                    + " (transA 0, alpha and beta 1)");
        }
        boolean storedOutIn = intAttribute(n, "transB", 0) == 1;
        return new PoolerMatch(n.getInput(1), !storedOutIn, n.getInput(2), n.getOutput(0));
    }

    private static long intAttribute(NodeProto n, String name, long absent) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI)
                .findFirst().orElse(absent);
    }

    private static double floatAttribute(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToDouble(AttributeProto::getF)
                .findFirst().orElse(1);
    }
}
