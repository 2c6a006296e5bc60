package io.grow4j.kernels.pad;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A fill started later ({@link Fill#from}): the appended rows of a tensor, padded alone with it, hold exactly the bytes
 * the whole tensor's padding puts there, for every dtype and odd row and column counts (runs off the vector width);
 * entry by entry for offsets that wrap the seed around 2^64.
 */
class FillFromTest {
    private static final PadKernel KERNEL = new CpuPadKernel();

    @Test
    void everyEntryIsTheWholeFillsEntryAtTheOffset() {
        Fill.Uniform u = new Fill.Uniform(0x5eedL, 0.37);
        for (long offset : new long[] {0, 1, 7, 1L << 40, Long.MAX_VALUE / 3, -5}) {
            Fill later = u.from(offset);
            for (long i = 0; i < 100; i++) {
                assertEquals(Double.doubleToRawLongBits(u.valueAt(offset + i)),
                        Double.doubleToRawLongBits(later.valueAt(i)), "offset " + offset + " entry " + i);
            }
        }
        assertEquals(new Fill.Constant(2.5), new Fill.Constant(2.5).from(9));
        assertEquals(Fill.ZERO, Fill.ZERO.from(9));
        assertThrows(IllegalStateException.class, () -> new Fill.AxisMean(0).from(3));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void appendedRowsPaddedAloneEqualTheWholePadding(DType dtype) {
        int oldRows = 5;
        int newRows = 13;
        int cols = 37;
        Tensor src = Tensor.allocate(dtype, oldRows, cols);
        for (long i = 0; i < src.size(); i++) {
            src.set(i, Math.sin(i));
        }
        Fill fill = new Fill.Uniform(20230911L, 0.5);
        PadSpec whole = new PadSpec(new long[] {oldRows, cols}, new long[] {newRows, cols},
                new int[][] {PadSpec.prefix(oldRows, newRows), PadSpec.identity(cols)}, 1.0, fill);
        Tensor expected = Tensor.allocate(dtype, newRows, cols);
        KERNEL.pad(src, expected, whole);

        int tailRows = newRows - oldRows;
        long[] tailShape = {tailRows, cols};
        int[][] allNew = {PadSpec.prefix(0, tailRows), PadSpec.identity(cols)};
        Tensor tail = Tensor.allocate(dtype, tailShape);
        KERNEL.pad(null, tail, new PadSpec(tailShape, tailShape, allNew, 1.0, fill.from((long) oldRows * cols)));

        long head = (long) oldRows * cols * dtype.bytes();
        long mismatch = expected.data().asSlice(head).mismatch(tail.data());
        if (mismatch >= 0) {
            fail(dtype + ": appended rows differ at byte " + mismatch + " of " + tail.byteSize());
        }
    }
}
