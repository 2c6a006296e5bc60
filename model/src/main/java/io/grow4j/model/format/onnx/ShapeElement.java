package io.grow4j.model.format.onnx;

/**
 * One element of a Reshape target: a constant stored at {@code site} and read there by node {@code reader}, or
 * computed at run time (site null), as batch and sequence sizes are.
 */
record ShapeElement(long value, ConstantSite.Element site, int reader) {
    static final ShapeElement COMPUTED = new ShapeElement(0, null, -1);

    boolean isConstant() {
        return site != null;
    }

    /** A constant that fixes a size (not -1, "infer", nor 0, "copy the input's"). */
    boolean fixesSize() {
        return isConstant() && value > 0;
    }
}
