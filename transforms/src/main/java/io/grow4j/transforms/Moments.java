package io.grow4j.transforms;

import io.grow4j.model.Tensor;

import java.util.ArrayList;
import java.util.List;
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
    /** Chains stepped together by {@link #ofAll}. */
    static final int LANES = 4;

    public static Moments of(Tensor t) {
        return sampled(t.size(), t::get);
    }

    /**
     * The moments of a tensor of {@code size} entries given entry by entry, {@code entry} (flat index to value, as
     * {@link Tensor#get} would read it) called only for the sampled indices: what streamed growth uses for a
     * statistics reference that is an intermediate tensor, whose sampled entries cost far less than building it.
     */
    public static Moments sampled(long size, LongToDoubleFunction entry) {
        Chain chain = new Chain(size, entry);
        while (chain.hasNext()) {
            chain.next();
        }
        return chain.moments();
    }

    /**
     * The moments of several tensors, each bit for bit {@link #of} of it. One tensor's updates are a chain of
     * dependent divisions, so a division's latency (about 13 cycles against a throughput of one per 4 or 5) bounds
     * it; {@link #LANES} chains stepped in turn in one loop keep the divider busy, about three times the samples per
     * second, with each chain's arithmetic and order unchanged.
     *
     * @return the moments in the order of {@code tensors}
     */
    public static List<Moments> ofAll(List<Tensor> tensors) {
        List<Moments> out = new ArrayList<>(tensors.size());
        for (int from = 0; from < tensors.size(); from += LANES) {
            List<Tensor> group = tensors.subList(from, Math.min(from + LANES, tensors.size()));
            Chain[] chains = new Chain[LANES];
            for (int k = 0; k < LANES; k++) { // a short group repeats its last tensor: the loop stays four wide
                Tensor t = group.get(Math.min(k, group.size() - 1));
                chains[k] = new Chain(t.size(), t::get);
            }
            interleave(chains[0], chains[1], chains[2], chains[3]);
            for (int k = 0; k < group.size(); k++) {
                out.add(chains[k].moments());
            }
        }
        return out;
    }

    private static void interleave(Chain a, Chain b, Chain c, Chain d) {
        while (a.hasNext() && b.hasNext() && c.hasNext() && d.hasNext()) {
            a.next();
            b.next();
            c.next();
            d.next();
        }
        for (Chain x : new Chain[] {a, b, c, d}) {
            while (x.hasNext()) {
                x.next();
            }
        }
    }

    /** SummaryStatistics' FirstMoment and SecondMoment updates over one tensor's sampled entries, one at a time. */
    private static final class Chain {
        private final long size;
        private final long stride;
        private final LongToDoubleFunction entry;
        private long index;
        private long n;
        private double m1 = Double.NaN;
        private double m2 = Double.NaN;

        Chain(long size, LongToDoubleFunction entry) {
            this.size = size;
            this.stride = size <= SAMPLES ? 1 : (size + SAMPLES - 1) / SAMPLES;
            this.entry = entry;
        }

        boolean hasNext() {
            return index < size;
        }

        void next() {
            double d = entry.applyAsDouble(index);
            index += stride;
            if (!Double.isFinite(d)) {
                return;
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

        Moments moments() {
            double std = n == 0 ? Double.NaN : n == 1 ? 0.0 : Math.sqrt(m2 / ((double) n - 1.0));
            return new Moments(n, m1, std);
        }
    }
}
