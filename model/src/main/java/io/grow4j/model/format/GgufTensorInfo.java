package io.grow4j.model.format;

import io.grow4j.model.Tensor;

/**
 * One entry of a GGUF tensor table. {@code dims} are in ggml order, innermost first: a PyTorch [out, in] weight is
 * stored with dims [in, out]. {@code offset} counts from the start of the data section.
 */
record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {
    GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Row-major shape, outermost first, as {@link Tensor} and {@link io.grow4j.model.Role} use. */
    long[] shape() {
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[dims.length - 1 - i];
        }
        return shape;
    }

    static long[] dimsOf(long[] shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[shape.length - 1 - i];
        }
        return dims;
    }

    long elements() {
        return Tensor.elementCount(dims);
    }

    long byteSize() {
        return type.bytesFor(elements());
    }
}
