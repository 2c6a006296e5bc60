package io.grow4j.model.format.onnx;

/** Where a number that the graph's shapes or arithmetic depend on is stored. */
sealed interface ConstantSite {
    /** Element {@code index} of the initializer or Constant-node output called {@code tensor}. */
    record Element(String tensor, int index) implements ConstantSite {
    }

    /** The float attribute {@code name} of node {@code node} (LayerNormalization's epsilon). */
    record Attribute(int node, String name) implements ConstantSite {
    }
}
