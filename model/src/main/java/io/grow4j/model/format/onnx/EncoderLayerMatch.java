package io.grow4j.model.format.onnx;

import io.grow4j.model.Activation;
import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One post-LayerNorm BERT layer reading hidden state x:
 * <pre>
 *   a = LayerNorm(x + O(attention(x)))        attention: {@link AttentionMatch}
 *   y = LayerNorm(a + Down(act(Up(a))))       act: GELU (Erf or Gelu node), tanh GELU, or ReLU
 * </pre>
 */
record EncoderLayerMatch(AttentionMatch attention, LayerNormMatch attentionNorm, Linear up, Linear down,
                         Activation activation, LayerNormMatch mlpNorm) {

    /** An activation is a handful of nodes (Erf GELU is six); a longer walk has left the MLP. */
    private static final int MAX_ACTIVATION_NODES = 64;

    String output() {
        return mlpNorm.output();
    }

    static EncoderLayerMatch at(GraphIndex g, String x, int layer) {
        String what = "layer " + layer;
        AttentionMatch attention = AttentionMatch.at(g, Linear.readersOf(g, x), what + " attention");
        String attended = residual(g, attention.output().output(), x, what + " attention");
        LayerNormMatch attentionNorm = LayerNormMatch.at(g, attended, what + " attention LayerNorm");
        String a = attentionNorm.output();
        List<Linear> ups = Linear.readersOf(g, a);
        if (ups.size() != 1) {
            throw new GraphMappingException(what + " MLP: expected one Linear reading '" + a + "', found " + ups.size());
        }
        Linear up = ups.getFirst();
        List<Integer> between = new ArrayList<>();
        int downNode = nextWeightMatMul(g, up.output(), between, what + " MLP");
        Linear down = Linear.at(g, downNode);
        Activation activation = activation(g, between, what + " MLP");
        String summed = residual(g, down.output(), a, what + " MLP");
        LayerNormMatch mlpNorm = LayerNormMatch.at(g, summed, what + " output LayerNorm");
        return new EncoderLayerMatch(attention, attentionNorm, up, down, activation, mlpNorm);
    }

    /** The Add of a block's output and its input x, whose result the post-norm reads. */
    private static String residual(GraphIndex g, String branch, String x, String what) {
        int add = Patterns.consumer(g, branch, "Add", what + " residual");
        if (!Patterns.otherInput(g.node(add), branch).equals(x)) {
            throw new GraphMappingException(what + ": " + g.describe(add) + " does not add the block input '" + x
                    + "' back");
        }
        return g.node(add).getOutput(0);
    }

    /** Walks forward from {@code from} to the one MatMul with a weight initializer, collecting the nodes between. */
    private static int nextWeightMatMul(GraphIndex g, String from, List<Integer> between, String what) {
        Deque<String> values = new ArrayDeque<>(List.of(from));
        Set<Integer> visited = new HashSet<>();
        Set<Integer> found = new HashSet<>();
        while (!values.isEmpty()) {
            for (int i : g.dataConsumers(values.pop())) {
                NodeProto n = g.node(i);
                if (n.getOpType().equals("MatMul") && g.isInitializer(n.getInput(1))) {
                    found.add(i);
                } else if (visited.add(i)) {
                    between.add(i);
                    values.addAll(n.getOutputList());
                }
            }
            if (visited.size() > MAX_ACTIVATION_NODES) {
                break;
            }
        }
        if (found.size() != 1) {
            throw new GraphMappingException(what + ": expected the activation to lead to one down projection, found "
                    + (found.isEmpty() ? "none" : Patterns.describe(g, List.copyOf(found))));
        }
        return found.iterator().next();
    }

    private static Activation activation(GraphIndex g, List<Integer> nodes, String what) {
        Set<String> ops = new HashSet<>();
        for (int i : nodes) {
            NodeProto n = g.node(i);
            ops.add(n.getOpType());
            if (n.getOpType().equals("Gelu")) {
                return n.getAttributeList().stream().filter(a -> a.getName().equals("approximate"))
                        .map(AttributeProto::getS).anyMatch(s -> s.toStringUtf8().equals("tanh"))
                        ? Activation.GELU_TANH : Activation.GELU;
            }
        }
        if (ops.contains("Erf")) {
            return Activation.GELU;
        }
        if (ops.contains("Tanh") || ops.contains("FastGelu")) {
            return Activation.GELU_TANH;
        }
        if (ops.equals(Set.of("Relu"))) {
            return Activation.RELU;
        }
        throw new GraphMappingException(what + ": unrecognised activation made of " + ops + " (supported: GELU as Erf or"
                + " Gelu, tanh GELU, ReLU)");
    }
}
