package io.grow4j.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.LongStream;

/**
 * How many entries of a tensor are NaN and how many infinite. A trained checkpoint holds neither; one that does
 * decodes to nonsense (every logit NaN) and, grown, would spread them through any statistic computed from it, so
 * readers of weights count them before trusting the numbers.
 *
 * <p>Counted from the stored bits (exponent all ones: infinite when the mantissa is zero, NaN otherwise), without
 * converting each entry, so a memory-mapped checkpoint is scanned at close to memory speed.
 */
public record NonFiniteCount(long nan, long infinite) {
    public static final NonFiniteCount NONE = new NonFiniteCount(0, 0);
    private static final long CHUNK = 1 << 20;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Every NaN and infinite entry of {@code t}, in parallel chunks for large tensors. */
    public static NonFiniteCount of(Tensor t) {
        long n = t.size();
        if (n <= CHUNK) {
            return scan(t, 0, n);
        }
        return LongStream.range(0, (n + CHUNK - 1) / CHUNK).parallel()
                .mapToObj(c -> scan(t, c * CHUNK, Math.min(n, (c + 1) * CHUNK)))
                .reduce(NONE, NonFiniteCount::plus);
    }

    /** The tensors that hold any NaN or infinite entry, with their counts, in key order; empty for a sound model. */
    public static SortedMap<TensorKey, NonFiniteCount> perTensor(Map<TensorKey, Tensor> tensors) {
        SortedMap<TensorKey, NonFiniteCount> found = new TreeMap<>();
        tensors.forEach((key, t) -> {
            NonFiniteCount count = of(t);
            if (count.any()) {
                found.put(key, count);
            }
        });
        return found;
    }

    private static NonFiniteCount scan(Tensor t, long from, long to) {
        MemorySegment s = t.data();
        long exponent;
        long mantissa;
        switch (t.dtype()) {
            case F64 -> {
                exponent = 0x7ff0_0000_0000_0000L;
                mantissa = 0x000f_ffff_ffff_ffffL;
            }
            case F32 -> {
                exponent = 0x7f80_0000L;
                mantissa = 0x007f_ffffL;
            }
            case F16 -> {
                exponent = 0x7c00;
                mantissa = 0x03ff;
            }
            case BF16 -> {
                exponent = 0x7f80;
                mantissa = 0x007f;
            }
            default -> throw new IllegalStateException(t.dtype().toString());
        }
        long nan = 0;
        long infinite = 0;
        for (long i = from; i < to; i++) {
            long bits = bits(s, t.dtype(), i);
            if ((bits & exponent) == exponent) {
                if ((bits & mantissa) == 0) {
                    infinite++;
                } else {
                    nan++;
                }
            }
        }
        return new NonFiniteCount(nan, infinite);
    }

    private static long bits(MemorySegment s, DType dtype, long index) {
        return switch (dtype) {
            case F64 -> s.get(LE_LONG, index * 8);
            case F32 -> s.get(LE_INT, index * 4);
            case F16, BF16 -> s.get(LE_SHORT, index * 2);
        };
    }

    public NonFiniteCount plus(NonFiniteCount other) {
        return new NonFiniteCount(nan + other.nan, infinite + other.infinite);
    }

    public boolean any() {
        return nan > 0 || infinite > 0;
    }

    /** "3 NaN, 1 infinite", leaving out a zero count. */
    public String describe() {
        if (nan > 0 && infinite > 0) {
            return String.format("%,d NaN, %,d infinite", nan, infinite);
        }
        return nan > 0 ? String.format("%,d NaN", nan) : String.format("%,d infinite", infinite);
    }
}
