package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;

import java.util.ArrayList;
import java.util.List;

/**
 * A PyTorch Linear as exported to ONNX: MatMul(x, W) with W an initializer stored [in, out], then Add with a bias
 * initializer (either operand order). The weight is usually unnamed (onnx::MatMul_787): the node that reads it is
 * what says what it is.
 */
record Linear(int matmul, String weight, String bias, int biasAdd, String output) {

    /** Every Linear reading {@code x} as its data input, in graph order. */
    static List<Linear> readersOf(GraphIndex g, String x) {
        List<Linear> linears = new ArrayList<>();
        for (int i : g.consumers(x)) {
            NodeProto n = g.node(i);
            if (n.getOpType().equals("MatMul") && n.getInput(0).equals(x) && isMatrix(g, n.getInput(1))) {
                linears.add(at(g, i));
            }
        }
        return linears;
    }

    /** The Linear whose MatMul is node {@code matmul}. */
    static Linear at(GraphIndex g, int matmul) {
        NodeProto mm = g.node(matmul);
        if (!isMatrix(g, mm.getInput(1))) {
            throw new GraphMappingException(g.describe(matmul) + ": expected a weight matrix initializer as second"
                    + " input, found '" + mm.getInput(1) + "'");
        }
        String product = mm.getOutput(0);
        int add = Patterns.consumer(g, product, "Add", "bias of " + g.describe(matmul));
        String bias = Patterns.initializerInput(g, add, product, "the bias");
        if (g.initializer(bias).getDimsCount() != 1) {
            throw new GraphMappingException(g.describe(add) + ": bias '" + bias + "' has shape "
                    + g.initializer(bias).getDimsList() + ", expected one axis");
        }
        return new Linear(matmul, mm.getInput(1), bias, add, g.node(add).getOutput(0));
    }

    /** Output width (the stored [in, out] matrix's second axis). */
    long outFeatures(GraphIndex g) {
        return g.initializer(weight).getDims(1);
    }

    long inFeatures(GraphIndex g) {
        return g.initializer(weight).getDims(0);
    }

    private static boolean isMatrix(GraphIndex g, String name) {
        TensorProto t = g.initializer(name);
        return t != null && t.getDimsCount() == 2;
    }
}
