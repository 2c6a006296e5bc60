package io.grow4j.model.format.onnx;

import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;

import java.util.Arrays;
import java.util.List;

/**
 * The last elements of a Reshape node's target shape, each traced to where it is stored. Exporters build head
 * splits as Concat(Unsqueeze(batch), Unsqueeze(sequence), [heads], [head size]) from run-time Shape values, or as one
 * constant vector; either way the sizes growth changes sit at the end, so the tail is read back to front and stops
 * at the first piece whose length is unknown.
 */
final class ShapeTail {
    private ShapeTail() {
    }

    static List<ShapeElement> last(GraphIndex g, int reshape, int count) {
        String shape = g.node(reshape).getInput(1);
        ShapeElement[] tail = new ShapeElement[count];
        Arrays.fill(tail, ShapeElement.COMPUTED);
        List<String> pieces;
        int reader;
        if (g.isConstant(shape)) {
            pieces = List.of(shape);
            reader = reshape;
        } else if (g.producerNode(shape).map(n -> n.getOpType().equals("Concat")).orElse(false)) {
            reader = g.producer(shape);
            pieces = g.node(reader).getInputList();
        } else {
            return List.of(tail);
        }
        int slot = count - 1;
        for (int p = pieces.size() - 1; p >= 0 && slot >= 0; p--) {
            String piece = pieces.get(p);
            if (g.isConstant(piece)) {
                double[] values = g.constant(piece).orElseThrow();
                for (int j = values.length - 1; j >= 0 && slot >= 0; j--, slot--) {
                    tail[slot] = new ShapeElement((long) values[j], new ConstantSite.Element(piece, j), reader);
                }
            } else if (isScalarUnsqueeze(g, piece)) {
                slot--;
            } else {
                break;
            }
        }
        return List.of(tail);
    }

    /** Unsqueeze of one run-time size (a Gather of a Shape) into a one-element vector. */
    private static boolean isScalarUnsqueeze(GraphIndex g, String value) {
        NodeProto n = g.producerNode(value).orElse(null);
        return n != null && n.getOpType().equals("Unsqueeze")
                && g.producerNode(n.getInput(0)).map(p -> p.getOpType().equals("Gather")).orElse(false);
    }
}
