package io.grow4j.transforms;

import io.grow4j.model.Tensor;

import java.util.function.LongToDoubleFunction;

/**
 * Mean and sample standard deviation of a tensor, by exactly the arithmetic of commons-math3's SummaryStatistics
 * (FirstMoment and SecondMoment's running updates, in index order). SummaryStatistics also keeps sums, extremes and
 * a sum of logarithms for every value; this loop keeps only the two moments that fills use.
 *
 * <p>Tensors larger than {@link #SAMPLES} entries are measured on evenly strided entries (every ceil(n / SAMPLES)-th,
 * from the first): the moments only set the scale of "arbitrary" new entries, a million samples pin that scale far
 * more finely than it matters, and a full pass over every large tensor was most of the time of growing a big model.
 * The sample is a fixed function of the size, so every path (in memory, streamed, on a device) gets the same bits.
 *
 * <p>NaN and infinite entries are left out (count holds the finite ones): a model carried with them on request must
 * not have them spread into every new entry whose scale is taken from their tensor.
 */
public record Moments(long count, double mean, double standardDeviation) {
    static final long SAMPLES = 1L << 20;

    public static Moments of(Tensor t) {
        return sampled(t.size(), t::get);
    }

    /**
     * The moments of a tensor of {@code size} entries given entry by entry, {@code entry} (flat index to value, as
     * {@link Tensor#get} would read it) called only for the sampled indices: what streamed growth uses for a
     * statistics reference that is an intermediate tensor, whose sampled entries cost far less than building it.
     */
    public static Moments sampled(long size, LongToDoubleFunction entry) {
        long stride = size <= SAMPLES ? 1 : (size + SAMPLES - 1) / SAMPLES;
        long n = 0;
        double m1 = Double.NaN;
        double m2 = Double.NaN;
        for (long i = 0; i < size; i += stride) {
            double d = entry.applyAsDouble(i);
            if (!Double.isFinite(d)) {
                continue;
            }
            if (n == 0) {
                m1 = 0.0;
                m2 = 0.0;
            }
            n++;
            double dev = d - m1;
            double nDev = dev / (double) n;
            m1 += nDev;
            m2 += ((double) n - 1.0) * dev * nDev;
        }
        double std = n == 0 ? Double.NaN : n == 1 ? 0.0 : Math.sqrt(m2 / ((double) n - 1.0));
        return new Moments(n, m1, std);
    }
}
