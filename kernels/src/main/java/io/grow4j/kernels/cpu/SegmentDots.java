package io.grow4j.kernels.cpu;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static io.grow4j.kernels.cpu.VectorDots.LANES;
import static io.grow4j.kernels.cpu.VectorDots.SPECIES;

/**
 * Row dot products read straight from a stored weight matrix, for decoding: with one activation row each weight is
 * used once, so a decoded tile (see {@link TensorRows}) would only add a copy through the cache.
 *
 * <p>F32 rows sum in {@link VectorDots#rowDots}' order (four rows share each load of x, per-lane accumulators,
 * {@link VectorDots#sumLanes}, then the tail; a row outside a group of four in the same order), so they give the
 * array path's results bit for bit, whatever rows a chunk holds. The loop steps a
 * byte offset into the segment (a long induction variable), which C2 compiles to plain vector loads; an int column
 * index converted to a byte offset at each load ran at 0.6 of that.
 *
 * <p>BF16 rows are read as int vectors, each int two bfloat16 values: the even one is the int shifted up 16 bits,
 * the odd one the int with its low half cleared, both exact float32s, so no widening conversion is needed (the
 * Vector API's short-to-int conversion ran at a third of memory speed). They meet x arranged to match
 * ({@link #pairSplit}); the lanes then sum in another order than the decoded tile's, within float rounding of it.
 */
final class SegmentDots {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, SPECIES.vectorShape());
    private static final int HIGH_HALF = 0xffff0000;
    /** Columns one int vector of bf16 pairs covers. */
    private static final int PAIR_BLOCK = 2 * LANES;

    private SegmentDots() {
    }

    /** True when {@link #rowDots} reads this dtype. */
    static boolean reads(DType dtype) {
        return dtype == DType.F32 || dtype == DType.BF16;
    }

    /**
     * x as {@link #rowDots} wants it for w's dtype: itself for F32; for BF16, in each whole block of 2·LANES columns
     * the even columns first, then the odd ones (what an int vector of bf16 pairs meets); the tail as it is.
     */
    static float[] prepare(DType dtype, float[] x) {
        return dtype == DType.BF16 ? pairSplit(x) : x;
    }

    private static float[] pairSplit(float[] x) {
        float[] out = x.clone();
        for (int b = 0; b + PAIR_BLOCK <= x.length; b += PAIR_BLOCK) {
            for (int j = 0; j < LANES; j++) {
                out[b + j] = x[b + 2 * j];
                out[b + LANES + j] = x[b + 2 * j + 1];
            }
        }
        return out;
    }

    /**
     * out[r] = row r of w ([rows, x.length]) · x for r in [from, to); xs is {@link #prepare}(w.dtype(), x). One
     * method per dtype, so the JIT's profile of each loop sees one kind of row only.
     */
    static void rowDots(Tensor w, float[] x, float[] xs, float[] out, int from, int to) {
        if (w.dtype() == DType.BF16) {
            rowDotsBf16(w.data(), x, xs, out, from, to);
        } else {
            rowDotsF32(w.data(), x, out, from, to);
        }
    }

    private static void rowDotsF32(MemorySegment w, float[] x, float[] out, int from, int to) {
        int cols = x.length;
        int r = from;
        for (; r + 4 <= to; r += 4) {
            fourRowsF32(w, cols, x, out, r);
            for (int i = r; i < r + 4 && cols % LANES != 0; i++) {
                out[i] = tail(w, DType.F32, i, cols - cols % LANES, cols, x, out[i]);
            }
        }
        for (; r < to; r++) {
            out[r] = dotF32(w, cols, x, r);
        }
    }

    private static void rowDotsBf16(MemorySegment w, float[] x, float[] xs, float[] out, int from, int to) {
        int cols = x.length;
        int r = from;
        for (; r + 4 <= to; r += 4) {
            fourRowsBf16(w, cols, xs, out, r);
            for (int i = r; i < r + 4 && cols % PAIR_BLOCK != 0; i++) {
                out[i] = tail(w, DType.BF16, i, cols - cols % PAIR_BLOCK, cols, x, out[i]);
            }
        }
        for (; r < to; r++) {
            out[r] = dotBf16(w, cols, x, xs, r);
        }
    }

    private static void fourRowsF32(MemorySegment w, int cols, float[] x, float[] out, int r) {
        long rowBytes = (long) cols * Float.BYTES;
        long step = SPECIES.vectorByteSize();
        long first = r * rowBytes;
        long end = first + (long) (cols - cols % LANES) * Float.BYTES;
        FloatVector s0 = FloatVector.zero(SPECIES);
        FloatVector s1 = FloatVector.zero(SPECIES);
        FloatVector s2 = FloatVector.zero(SPECIES);
        FloatVector s3 = FloatVector.zero(SPECIES);
        int c = 0;
        for (long at = first; at < end; at += step, c += LANES) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, c);
            s0 = FloatVector.fromMemorySegment(SPECIES, w, at, LE).fma(xv, s0);
            s1 = FloatVector.fromMemorySegment(SPECIES, w, at + rowBytes, LE).fma(xv, s1);
            s2 = FloatVector.fromMemorySegment(SPECIES, w, at + 2 * rowBytes, LE).fma(xv, s2);
            s3 = FloatVector.fromMemorySegment(SPECIES, w, at + 3 * rowBytes, LE).fma(xv, s3);
        }
        laneSums(out, r, s0, s1, s2, s3);
    }

    private static void fourRowsBf16(MemorySegment w, int cols, float[] xs, float[] out, int r) {
        long rowBytes = (long) cols * 2;
        long step = INTS.vectorByteSize();
        long first = r * rowBytes;
        long end = first + (long) (cols - cols % PAIR_BLOCK) * 2;
        // even and odd halves in accumulators of their own: eight independent FMA chains, not four chains of two
        // dependent FMAs each, which held bf16 decoding at the FMA latency rather than at memory speed
        FloatVector e0 = FloatVector.zero(SPECIES);
        FloatVector e1 = FloatVector.zero(SPECIES);
        FloatVector e2 = FloatVector.zero(SPECIES);
        FloatVector e3 = FloatVector.zero(SPECIES);
        FloatVector o0 = FloatVector.zero(SPECIES);
        FloatVector o1 = FloatVector.zero(SPECIES);
        FloatVector o2 = FloatVector.zero(SPECIES);
        FloatVector o3 = FloatVector.zero(SPECIES);
        int c = 0;
        for (long at = first; at < end; at += step, c += PAIR_BLOCK) {
            FloatVector even = FloatVector.fromArray(SPECIES, xs, c);
            FloatVector odd = FloatVector.fromArray(SPECIES, xs, c + LANES);
            IntVector p0 = IntVector.fromMemorySegment(INTS, w, at, LE);
            IntVector p1 = IntVector.fromMemorySegment(INTS, w, at + rowBytes, LE);
            IntVector p2 = IntVector.fromMemorySegment(INTS, w, at + 2 * rowBytes, LE);
            IntVector p3 = IntVector.fromMemorySegment(INTS, w, at + 3 * rowBytes, LE);
            e0 = evenHalves(p0).fma(even, e0);
            o0 = oddHalves(p0).fma(odd, o0);
            e1 = evenHalves(p1).fma(even, e1);
            o1 = oddHalves(p1).fma(odd, o1);
            e2 = evenHalves(p2).fma(even, e2);
            o2 = oddHalves(p2).fma(odd, o2);
            e3 = evenHalves(p3).fma(even, e3);
            o3 = oddHalves(p3).fma(odd, o3);
        }
        laneSums(out, r, e0.add(o0), e1.add(o1), e2.add(o2), e3.add(o3));
    }

    /** The even bf16 of each int as float32: the int shifted up 16 bits. */
    private static FloatVector evenHalves(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd bf16 of each int as float32: the int with its low half cleared. */
    private static FloatVector oddHalves(IntVector pairs) {
        return pairs.and(HIGH_HALF).reinterpretAsFloats();
    }

    /**
     * out[r..r+3] ← the lane sums, as VectorDots.fourRows ends (the caller adds the scalar tails). Kept apart from the
     * loops so that their methods stay small enough for C2 to inline every Vector API call (boxed vectors otherwise).
     */
    private static void laneSums(float[] out, int r, FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        VectorDots.sumLanes4(s0, s1, s2, s3, out, r);
    }

    /** sum + Σ_{c ≤ i < cols} w[r, i] · x[i], the terms added to sum one at a time. */
    private static float tail(MemorySegment w, DType dtype, int r, int c, int cols, float[] x, float sum) {
        long first = (long) r * cols;
        for (int i = c; i < cols; i++) {
            sum += entry(w, dtype, first + i) * x[i];
        }
        return sum;
    }

    /**
     * One row as {@link #fourRowsF32} sums each of its rows (one per-lane accumulator, the lane sum, the tail), so a
     * row's result does not depend on whether a chunk boundary left it out of a group of four.
     */
    private static float dotF32(MemorySegment w, int cols, float[] x, int r) {
        long first = (long) r * cols * Float.BYTES;
        long end = first + (long) (cols - cols % LANES) * Float.BYTES;
        FloatVector s = FloatVector.zero(SPECIES);
        int c = 0;
        for (long at = first; at < end; at += SPECIES.vectorByteSize(), c += LANES) {
            s = FloatVector.fromMemorySegment(SPECIES, w, at, LE).fma(FloatVector.fromArray(SPECIES, x, c), s);
        }
        return tail(w, DType.F32, r, c, cols, x, VectorDots.sumLanes(s));
    }

    /** One row as {@link #fourRowsBf16} sums each of its rows (even and odd accumulators, their sum, lanes, tail). */
    private static float dotBf16(MemorySegment w, int cols, float[] x, float[] xs, int r) {
        long base = (long) r * cols * 2;
        FloatVector e = FloatVector.zero(SPECIES);
        FloatVector o = FloatVector.zero(SPECIES);
        int c = 0;
        for (; c <= cols - PAIR_BLOCK; c += PAIR_BLOCK) {
            IntVector p = IntVector.fromMemorySegment(INTS, w, base + 2L * c, LE);
            e = evenHalves(p).fma(FloatVector.fromArray(SPECIES, xs, c), e);
            o = oddHalves(p).fma(FloatVector.fromArray(SPECIES, xs, c + LANES), o);
        }
        return tail(w, DType.BF16, r, c, cols, x, VectorDots.sumLanes(e.add(o)));
    }

    private static float entry(MemorySegment w, DType dtype, long index) {
        return dtype == DType.BF16 ? Float.intBitsToFloat((w.get(LE_SHORT, index * 2) & 0xffff) << 16)
                : w.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE), index);
    }
}
