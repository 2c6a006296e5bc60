package io.grow4j.kernels.cpu;

import io.grow4j.model.Tensor;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Decodes rows of a stored weight matrix into a small float tile that stays in cache: F32 is a bulk copy, BF16 the
 * upper half of an F32 (a 16-bit shift, vectorised), F16 the IEEE half-precision conversion. The tile then feeds the
 * same row dot products as float arrays, so an F32 tensor gives the array path's results bit for bit.
 */
final class TensorRows {
    /** Floats per tile: a quarter of a typical 256 KiB L2 cache, so the tile and the activations stay resident. */
    static final int TILE_FLOATS = 1 << 14;

    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2));

    private TensorRows() {
    }

    /** Rows per tile for rows of {@code cols} floats: a multiple of four (rowDots groups rows by four), at least 4. */
    static int tileRows(int cols) {
        return Math.max(4, TILE_FLOATS / Math.max(cols, 1) / 4 * 4);
    }

    /** tile[0 .. (to-from)·cols) ← rows [from, to) of w ([rows, cols]) as float32. */
    static void decode(Tensor w, int cols, int from, int to, float[] tile) {
        MemorySegment data = w.data();
        int count = (to - from) * cols;
        long first = (long) from * cols;
        switch (w.dtype()) {
            case F32 -> MemorySegment.copy(data, LE_FLOAT, first * 4, tile, 0, count);
            case BF16 -> bf16(data, first * 2, tile, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    tile[i] = Float.float16ToFloat(data.get(LE_SHORT, (first + i) * 2));
                }
            }
            default -> throw new IllegalArgumentException("cannot read " + w.dtype() + " weights in place");
        }
    }

    /** bfloat16 is the upper half of a float32: widen each short to an int and shift it up 16 bits. */
    private static void bf16(MemorySegment data, long offset, float[] tile, int count) {
        int lanes = INTS.length();
        int i = 0;
        for (; i <= count - lanes; i += lanes) {
            ShortVector s = ShortVector.fromMemorySegment(SHORTS, data, offset + 2L * i, ByteOrder.LITTLE_ENDIAN);
            ((IntVector) s.convertShape(VectorOperators.S2I, INTS, 0)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().intoArray(tile, i);
        }
        for (; i < count; i++) {
            tile[i] = Float.intBitsToFloat((data.get(LE_SHORT, offset + 2L * i) & 0xffff) << 16);
        }
    }
}
