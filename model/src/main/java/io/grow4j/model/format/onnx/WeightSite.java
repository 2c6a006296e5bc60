package io.grow4j.model.format.onnx;

/**
 * The initializer holding a model tensor; transposed: stored [in, out] as a MatMul's second input, where grow4j keeps
 * Linear weights [out, in].
 */
record WeightSite(String initializer, boolean transposed) {
}
