package io.grow4j.kernels.pad;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs of seeded uniform entries, written lanes at a time, against {@link Tensor#set} of {@link Fill#valueAt} entry
 * by entry, bit for bit: every dtype, runs starting and ending off the vector width (odd starts and lengths, shorter
 * than one vector, longer than the kernel's chunk, one long enough to meet bfloat16's rounding ties), and
 * half-widths whose floats round to infinity, to zero or are NaN, which bfloat16's rounding treats apart.
 */
class FillRangesTest {
    /**
     * A bfloat16 tie with an odd last kept bit (where rounding to nearest even rounds up) is one float in 2^17: a
     * run of 2^21 meets a dozen or so of them (the other dtypes have no such case, and skip it).
     */
    private static final long LONG_RUN = 1L << 21;
    private static final double[] HALF_WIDTHS = {0.02, 3.5, 1e300, 1e-300, Double.NaN, 0.0};

    @ParameterizedTest
    @EnumSource(DType.class)
    void uniformRunsEqualTheEntryDefinition(DType dtype) {
        for (double halfWidth : HALF_WIDTHS) {
            Fill.Uniform fill = new Fill.Uniform(0x5eed + (long) dtype.ordinal(), halfWidth);
            List<long[]> runs = new ArrayList<>(List.of(new long[][] {{0, 1}, {3, 5}, {7, 8}, {1, 17}, {13, 64},
                    {0, 1031}, {2, 4997}}));
            if (halfWidth == 3.5 && dtype == DType.BF16) {
                runs.add(new long[] {5, LONG_RUN});
            }
            for (long[] run : runs) {
                long size = run[0] + run[1] + 3;
                Tensor actual = Tensor.allocate(dtype, size);
                FillRanges.fill(actual, fill, run[0], run[1]);
                Tensor expected = Tensor.allocate(dtype, size);
                for (long i = run[0]; i < run[0] + run[1]; i++) {
                    expected.set(i, fill.valueAt(i));
                }
                if (!expected.data().asByteBuffer().equals(actual.data().asByteBuffer())) {
                    long at = expected.data().mismatch(actual.data()) / dtype.bytes();
                    fail(dtype + " half-width " + halfWidth + ", run " + run[0] + "+" + run[1] + ": entry " + at
                            + " expected " + expected.get(at) + " got " + actual.get(at));
                }
            }
        }
    }
}
