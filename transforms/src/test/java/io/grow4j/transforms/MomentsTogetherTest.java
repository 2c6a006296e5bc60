package io.grow4j.transforms;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Moments of several tensors stepped together equal each tensor's moments alone, bit for bit (records compare their
 * doubles exactly): groups of one to seven tensors (a last group of one or two), sizes that differ (blocks of
 * different lengths, one chain ending first), entries given one by one or in bulk (blocks partly filled), sizes above
 * the sample count (strided), empty tensors, tensors with
 * NaN and infinite entries, and one with no finite entry at all.
 */
class MomentsTogetherTest {

    @Test
    void everyGroupEqualsTheMomentsAlone() {
        Random random = new Random(7);
        long[] candidates = {0, 1, 2, 4095, 4096, 4097, 10_001, Moments.SAMPLES, 3 * Moments.SAMPLES + 17};
        for (int tensors = 1; tensors <= 7; tensors++) {
            long[] sizes = new long[tensors];
            LongToDoubleFunction[] entries = new LongToDoubleFunction[tensors];
            for (int t = 0; t < tensors; t++) {
                sizes[t] = candidates[random.nextInt(candidates.length)];
                LongToDoubleFunction one = entries(random.nextLong(), t == 3 ? 1.0 : 0.01);
                entries[t] = t % 2 == 0 ? one : bulk(one);
            }
            assertAlone(sizes, entries);
        }
    }

    @Test
    void sameSizesAndATensorWithoutFiniteEntries() {
        long size = 5 * Moments.SAMPLES / 2;
        LongToDoubleFunction nan = i -> Double.NaN;
        assertAlone(new long[] {size, size, size, size}, new LongToDoubleFunction[] {entries(1, 0), nan,
                entries(2, 0.5), entries(3, 0.001)});
    }

    private static void assertAlone(long[] sizes, LongToDoubleFunction[] entries) {
        Moments[] together = Moments.sampledTogether(sizes, entries);
        for (int t = 0; t < sizes.length; t++) {
            assertEquals(Moments.sampled(sizes[t], entries[t]), together[t], "tensor " + t + " of " + sizes.length
                    + ", size " + sizes[t]);
        }
    }

    /** The same entries also read many at a time ({@link Moments.Bulk}), at most 1000 per call. */
    private static Moments.Bulk bulk(LongToDoubleFunction entries) {
        return new Moments.Bulk() {
            @Override
            public int read(long first, long stride, long end, double[] into) {
                int k = 0;
                for (long i = first; k < Math.min(into.length, 1000) && i < end; i += stride) {
                    into[k++] = entries.applyAsDouble(i);
                }
                return k;
            }

            @Override
            public double applyAsDouble(long index) {
                return entries.applyAsDouble(index);
            }
        };
    }

    /** A pure function of the index (chains may ask in any order): mostly noise, some NaN and infinite entries. */
    private static LongToDoubleFunction entries(long seed, double nonFinite) {
        return i -> {
            long z = (seed + i) * 0x9E3779B97F4A7C15L;
            z ^= z >>> 29;
            double u = (z >>> 11) * 0x1.0p-53;
            if (u < nonFinite * 0.01) {
                return u < nonFinite * 0.005 ? Double.NaN : Double.NEGATIVE_INFINITY;
            }
            return (u - 0.3) * (1 + (i % 13));
        };
    }
}
