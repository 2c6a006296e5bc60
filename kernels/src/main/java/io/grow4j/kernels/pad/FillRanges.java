package io.grow4j.kernels.pad;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Writes a run of consecutive new entries of a tensor. New entries are a quarter or more of a grown tensor, so their
 * fill must run near memory speed: zeros are a memset, and the seeded uniform values are computed eight at a time
 * with the Vector API, then rounded to the tensor's dtype. The vector arithmetic is the same IEEE sequence as {@link Fill#valueAt} (integer mix, one exact
 * long-to-double conversion of 53 bits, then two multiplies and a subtract), so results are bit-identical.
 */
final class FillRanges {
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /**
     * Floats, ints and shorts as many as the longs (half and a quarter of their width): there is no 32-bit vector
     * shape, so below four 64-bit lanes the stores stay scalar.
     */
    private static final boolean NARROW = LONGS.length() >= 4 && LONGS.length() == DOUBLES.length();
    private static final VectorSpecies<Float> NARROW_FLOATS = NARROW ? narrow(float.class, 32) : null;
    private static final VectorSpecies<Integer> NARROW_INTS = NARROW ? narrow(int.class, 32) : null;
    private static final VectorSpecies<Short> NARROW_SHORTS = NARROW ? narrow(short.class, 16) : null;
    private static final int CHUNK = 512;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FillRanges() {
    }

    private static <E> VectorSpecies<E> narrow(Class<E> element, int bits) {
        return VectorSpecies.of(element, VectorShape.forBitSize(LONGS.length() * bits));
    }

    /** dst[start .. start+count) = fill.valueAt(index) for each index. */
    static void fill(Tensor dst, Fill fill, long start, long count) {
        switch (fill) {
            case Fill.Zero z -> dst.data().asSlice(start * dst.dtype().bytes(), count * dst.dtype().bytes()).fill((byte) 0);
            case Fill.Uniform u when LONGS.length() == DOUBLES.length() -> uniform(dst, u, start, count);
            default -> {
                for (long i = start, end = start + count; i < end; i++) {
                    dst.set(i, fill.valueAt(i));
                }
            }
        }
    }

    private static void uniform(Tensor dst, Fill.Uniform u, long start, long count) {
        if (NARROW && (dst.dtype() == DType.BF16 || dst.dtype() == DType.F32)) {
            uniformStored(dst, u, start, count);
            return;
        }
        double[] values = new double[CHUNK];
        for (long done = 0; done < count; done += CHUNK) {
            int n = (int) Math.min(CHUNK, count - done);
            uniformValues(u, start + done, n, values);
            store(dst, start + done, n, values);
        }
    }

    private static void uniformValues(Fill.Uniform u, long first, int n, double[] out) {
        int lanes = LONGS.length();
        int i = 0;
        LongVector lane = LongVector.zero(LONGS).addIndex(1);
        for (; i + lanes <= n; i += lanes) {
            uniformLanes(lane, u, first + i).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = u.valueAt(first + i);
        }
    }

    /** Entries first .. first + lanes − 1 of the fill, in double; {@code lane} holds 0, 1, 2, ... */
    private static DoubleVector uniformLanes(LongVector lane, Fill.Uniform u, long first) {
        // z = seed + (index + 1) * GOLDEN, then SplitMix64's finaliser, as SeededRandom.unit does
        LongVector z = lane.add(first + 1).mul(GOLDEN).add(u.seed());
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
        DoubleVector unit = ((DoubleVector) z.lanewise(VectorOperators.LSHR, 11)
                .convert(VectorOperators.L2D, 0)).mul(0x1.0p-53);
        return unit.mul(2.0).sub(1.0).mul(u.halfWidth());
    }

    /**
     * The uniform fill computed and stored lanes at a time, without the round trip through a double array and the
     * scalar store loop (which took as long as the random numbers): rounded to float as a cast does, then to
     * bfloat16 by {@link DType#toBf16}'s round-to-nearest-even, NaN kept quiet, lane by lane.
     */
    private static void uniformStored(Tensor dst, Fill.Uniform u, long start, long count) {
        MemorySegment s = dst.data();
        int lanes = LONGS.length();
        LongVector lane = LongVector.zero(LONGS).addIndex(1);
        boolean bf16 = dst.dtype() == DType.BF16;
        long i = start;
        for (long end = start + count; i + lanes <= end; i += lanes) {
            FloatVector f = (FloatVector) uniformLanes(lane, u, i).convertShape(VectorOperators.D2F, NARROW_FLOATS, 0);
            if (bf16) {
                IntVector bits = f.reinterpretAsInts();
                IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
                IntVector rounded = bits.add(high.and(1).add(0x7fff)).lanewise(VectorOperators.LSHR, 16);
                rounded = rounded.blend(high.or(0x40), f.test(VectorOperators.IS_NAN).cast(NARROW_INTS));
                rounded.convertShape(VectorOperators.I2S, NARROW_SHORTS, 0)
                        .intoMemorySegment(s, i * 2, ByteOrder.LITTLE_ENDIAN);
            } else {
                f.intoMemorySegment(s, i * 4, ByteOrder.LITTLE_ENDIAN);
            }
        }
        for (long end = start + count; i < end; i++) {
            dst.set(i, u.valueAt(i));
        }
    }

    /** Rounds as {@link Tensor#set} does: through float, then to half or bfloat16 by round-to-nearest-even. */
    private static void store(Tensor dst, long first, int n, double[] values) {
        MemorySegment s = dst.data();
        switch (dst.dtype()) {
            case F64 -> MemorySegment.copy(values, 0, s, LE_DOUBLE, first * 8, n);
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    s.set(LE_FLOAT, (first + i) * 4, (float) values[i]);
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    s.set(LE_SHORT, (first + i) * 2, DType.toBf16((float) values[i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    s.set(LE_SHORT, (first + i) * 2, Float.floatToFloat16((float) values[i]));
                }
            }
        }
    }
}
