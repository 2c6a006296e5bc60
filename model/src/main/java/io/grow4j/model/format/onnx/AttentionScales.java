package io.grow4j.model.format.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The constant factors that scale attention logits (Mul or Div nodes on the Q, K and score paths), checked to make
 * 1/sqrt(head size) together, each bound with its exponent so that a grown head size k' gets k'^exponent.
 */
final class AttentionScales {
    /** Exponents are simple fractions (−1/2, −1/4); a float constant only approximates the power it stands for. */
    private static final double EXPONENT_STEP = 1.0 / 16;
    private static final double TOLERANCE = 1e-6;

    private AttentionScales() {
    }

    static List<ConstantBinding> bind(GraphIndex g, List<DataPath> paths, int headSize, String what) {
        List<ConstantBinding> bindings = new ArrayList<>();
        double product = 1;
        for (DataPath path : paths) {
            for (int node : path.nodes()) {
                String op = g.node(node).getOpType();
                if (!op.equals("Mul") && !op.equals("Div")) {
                    continue;
                }
                boolean divisor = op.equals("Div");
                String operand = divisor ? g.node(node).getInput(1) : constantOperand(g, node);
                double[] values = g.constant(operand).orElseThrow();
                if (values.length != 1) {
                    throw new GraphMappingException(what + ": " + g.describe(node) + " scales by '" + operand
                            + "' with " + values.length + " values, expected one");
                }
                double factor = divisor ? 1 / values[0] : values[0];
                product *= factor;
                bindings.add(new ConstantBinding(new ConstantSite.Element(operand, 0),
                        new Quantity.AttentionScale(exponent(factor, headSize, g.describe(node)), divisor), node));
            }
        }
        if (Math.abs(product * Math.sqrt(headSize) - 1) > TOLERANCE) {
            throw new GraphMappingException(what + ": attention logits are scaled by " + product + ", expected"
                    + " 1/sqrt(" + headSize + ") = " + 1 / Math.sqrt(headSize));
        }
        return bindings;
    }

    private static String constantOperand(GraphIndex g, int node) {
        String a = g.node(node).getInput(0);
        return g.isConstant(a) ? a : g.node(node).getInput(1);
    }

    private static double exponent(double factor, int headSize, String node) {
        if (headSize < 2) {
            throw new GraphMappingException(node + ": head size " + headSize + " cannot carry a scale exponent");
        }
        double exact = Math.log(factor) / Math.log(headSize);
        double snapped = Math.rint(exact / EXPONENT_STEP) * EXPONENT_STEP;
        return Math.abs(exact - snapped) < TOLERANCE ? snapped : exact;
    }
}
