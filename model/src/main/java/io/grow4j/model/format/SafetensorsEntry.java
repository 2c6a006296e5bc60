package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import java.util.Arrays;

/**
 * What a safetensors header says about one tensor apart from its place: name, dtype and shape. Enough to lay out a
 * file before any tensor exists, which is how streamed output shards are written header first.
 */
public record SafetensorsEntry(String name, DType dtype, long[] shape) {
    public SafetensorsEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Bytes of the tensor's data. */
    public long byteSize() {
        return Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafetensorsEntry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
