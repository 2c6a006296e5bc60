package io.grow4j.transforms;

import io.grow4j.model.Tensor;

/**
 * Mean and sample standard deviation of a tensor, by exactly the arithmetic of commons-math3's SummaryStatistics
 * (FirstMoment and SecondMoment's running updates, in index order), so the fills of every plan stay what they were,
 * bit for bit. SummaryStatistics also keeps sums, extremes and a sum of logarithms for every value, which made
 * statistics the slowest part of growing a large model; this loop keeps only the two moments that fills use.
 */
record Moments(long count, double mean, double standardDeviation) {

    static Moments of(Tensor t) {
        long n = 0;
        double m1 = Double.NaN;
        double m2 = Double.NaN;
        for (long i = 0, size = t.size(); i < size; i++) {
            double d = t.get(i);
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
