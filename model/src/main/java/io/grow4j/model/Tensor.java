package io.grow4j.model;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A dense row-major little-endian tensor over a {@link MemorySegment}. Offsets are longs, so a tensor may be larger
 * than 2 GB; it may be a slice of a memory-mapped file (read-only) or freshly allocated memory.
 */
public final class Tensor {
    private final long[] shape;
    private final DType dtype;
    private final MemorySegment data;

    public Tensor(DType dtype, long[] shape, MemorySegment data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        long expected = byteSize(dtype, shape);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + expected + " bytes, got " + data.byteSize());
        }
    }

    /**
     * Zero-filled tensor in memory owned by the garbage collector; large ones are fresh pages the kernel zeroes on
     * first touch ({@link FreshMemory}), so writing a tensor once touches its memory once.
     */
    public static Tensor allocate(DType dtype, long... shape) {
        return new Tensor(dtype, shape, FreshMemory.zeroed(byteSize(dtype, shape)));
    }

    public static Tensor of(DType dtype, long[] shape, double[] values) {
        Tensor t = allocate(dtype, shape);
        if (values.length != t.size()) {
            throw new IllegalArgumentException("expected " + t.size() + " values, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    /**
     * Bytes of a tensor of this dtype and shape.
     *
     * @throws IllegalArgumentException past 2^63 - 1 bytes (named with the shape, not as a bare "integer overflow")
     */
    public static long byteSize(DType dtype, long[] shape) {
        try {
            return Math.multiplyExact(elementCount(shape), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(shape)
                    + " needs more than 2^63 - 1 bytes");
        }
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The same data seen with another shape of as many elements (a unit axis added or dropped), sharing memory.
     *
     * @throws IllegalArgumentException the element counts differ
     */
    public Tensor reshape(long... newShape) {
        return new Tensor(dtype, newShape, data);
    }

    /** Entry {@code index} of the first axis (one expert of a stacked expert tensor), sharing memory. */
    public Tensor slice(long index) {
        long bytes = byteSize() / shape[0];
        return new Tensor(dtype, java.util.Arrays.copyOfRange(shape, 1, shape.length),
                data.asSlice(index * bytes, bytes));
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public DType dtype() {
        return dtype;
    }

    public MemorySegment data() {
        return data;
    }

    public long size() {
        return elementCount(shape);
    }

    public long byteSize() {
        return data.byteSize();
    }

    public double get(long index) {
        return dtype.get(data, index);
    }

    public void set(long index, double value) {
        dtype.set(data, index, value);
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) get(i);
        }
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /** A copy in (possibly) another dtype, in fresh memory. */
    public Tensor convertTo(DType target) {
        Tensor out = allocate(target, shape);
        if (target == dtype) {
            out.data.copyFrom(data);
        } else {
            for (long i = 0, n = size(); i < n; i++) {
                out.set(i, get(i));
            }
        }
        return out;
    }

    public static String shapeString(long[] shape) {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
