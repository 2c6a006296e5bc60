package io.grow4j.model.format.onnx;

/**
 * A stored number, its meaning, and the node that reads it there ({@code reader}, a node index): a writer may change
 * a constant only if every node reading it is one the mapping understood.
 */
record ConstantBinding(ConstantSite site, Quantity quantity, int reader) {
}
