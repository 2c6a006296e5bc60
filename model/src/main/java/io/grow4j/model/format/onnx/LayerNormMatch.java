package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

/**
 * A LayerNorm over the last axis of {@code input}: either one LayerNormalization node (opset 17+, epsilon an
 * attribute, 1e-5 when absent) or the decomposition older exporters write,
 * <pre>
 *   x ─ ReduceMean ─ Sub(x, mean) ─┬─ Pow(·, 2) ─ ReduceMean ─ Add(·, eps) ─ Sqrt ─┐
 *                                  └──────────────────────────────── Div(d, sqrt) ─┴─ Mul(·, gain) ─ Add(·, bias)
 * </pre>
 * Where epsilon lives is kept as a binding: hidden growth by mean fill rescales it.
 */
record LayerNormMatch(String input, String output, String gain, String bias, double epsilon,
                      ConstantBinding epsilonBinding) {

    private static final double DEFAULT_EPSILON = 1e-5;

    static LayerNormMatch at(GraphIndex g, String input, String what) {
        for (int i : g.consumers(input)) {
            if (g.node(i).getOpType().equals("LayerNormalization")) {
                return fused(g, i, what);
            }
        }
        return decomposed(g, input, what);
    }

    private static LayerNormMatch fused(GraphIndex g, int node, String what) {
        NodeProto n = g.node(node);
        if (n.getInputCount() < 3 || !g.isInitializer(n.getInput(1)) || !g.isInitializer(n.getInput(2))) {
            throw new GraphMappingException(what + ": " + g.describe(node) + " needs scale and bias initializers");
        }
        double epsilon = DEFAULT_EPSILON;
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("epsilon")) {
                epsilon = a.getF();
            }
        }
        ConstantBinding binding = new ConstantBinding(new ConstantSite.Attribute(node, "epsilon"),
                new Quantity.NormEpsilon(), node);
        return new LayerNormMatch(n.getInput(0), n.getOutput(0), n.getInput(1), n.getInput(2), epsilon, binding);
    }

    private static LayerNormMatch decomposed(GraphIndex g, String x, String what) {
        String context = what + " (LayerNorm of '" + x + "')";
        String mean = output(g, Patterns.consumer(g, x, "ReduceMean", context));
        int sub = Patterns.consumer(g, mean, "Sub", context);
        if (!g.node(sub).getInput(0).equals(x)) {
            throw new GraphMappingException(context + ": " + g.describe(sub) + " does not compute x - mean");
        }
        String centered = output(g, sub);
        String squared = output(g, Patterns.consumer(g, centered, "Pow", context));
        String variance = output(g, Patterns.consumer(g, squared, "ReduceMean", context));
        int addEps = Patterns.consumer(g, variance, "Add", context);
        String eps = Patterns.otherInput(g.node(addEps), variance);
        double[] epsValue = g.constant(eps).orElseThrow(() -> new GraphMappingException(context + ": "
                + g.describe(addEps) + " adds '" + eps + "', which is not a constant epsilon"));
        String std = output(g, Patterns.consumer(g, output(g, addEps), "Sqrt", context));
        int div = Patterns.consumer(g, std, "Div", context);
        if (!g.node(div).getInput(0).equals(centered)) {
            throw new GraphMappingException(context + ": " + g.describe(div) + " does not divide x - mean by the"
                    + " standard deviation");
        }
        String normalized = output(g, div);
        int mul = Patterns.consumer(g, normalized, "Mul", context);
        String gain = Patterns.initializerInput(g, mul, normalized, "the LayerNorm gain");
        int add = Patterns.consumer(g, output(g, mul), "Add", context);
        String bias = Patterns.initializerInput(g, add, output(g, mul), "the LayerNorm bias");
        ConstantBinding binding = new ConstantBinding(new ConstantSite.Element(eps, 0), new Quantity.NormEpsilon(),
                addEps);
        return new LayerNormMatch(x, output(g, add), gain, bias, epsValue[0], binding);
    }

    private static String output(GraphIndex g, int node) {
        return g.node(node).getOutput(0);
    }
}
