package io.grow4j.transforms;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Moments must give SummaryStatistics' mean and standard deviation bit for bit: fills depend on them. */
class MomentsTest {
    @ParameterizedTest(name = "{0} x {1}, center {2}")
    @CsvSource({"F64, 0, 0", "F32, 1, 3", "F32, 2, 1", "BF16, 1000, 1", "F16, 4097, -0.5", "F64, 65521, 1e6",
            "F32, 65536, 1e-3"})
    void sameBitsAsSummaryStatistics(DType dtype, int size, double center) {
        SplittableRandom random = new SplittableRandom(size);
        Tensor t = Tensor.allocate(dtype, size);
        SummaryStatistics reference = new SummaryStatistics();
        for (int i = 0; i < size; i++) {
            t.set(i, center + random.nextGaussian());
            reference.addValue(t.get(i));
        }
        Moments m = Moments.of(t);
        assertEquals(Double.doubleToRawLongBits(reference.getMean()), Double.doubleToRawLongBits(m.mean()), "mean");
        assertEquals(Double.doubleToRawLongBits(reference.getStandardDeviation()),
                Double.doubleToRawLongBits(m.standardDeviation()), "standard deviation");
    }

    /** Past a million entries: SummaryStatistics over every stride-th entry, and a scale close to the full one. */
    @Test
    void largeTensorsAreMeasuredOnAFixedStridedSample() {
        long size = 3 * Moments.SAMPLES + 7;
        long stride = 4;
        SplittableRandom random = new SplittableRandom(9);
        Tensor t = Tensor.allocate(DType.F32, size);
        SummaryStatistics all = new SummaryStatistics();
        for (long i = 0; i < size; i++) {
            t.set(i, 2 + 0.5 * random.nextGaussian());
            all.addValue(t.get(i));
        }
        SummaryStatistics sample = new SummaryStatistics();
        for (long i = 0; i < size; i += stride) {
            sample.addValue(t.get(i));
        }
        Moments m = Moments.of(t);
        assertEquals(sample.getN(), m.count());
        assertEquals(Double.doubleToRawLongBits(sample.getMean()), Double.doubleToRawLongBits(m.mean()));
        assertEquals(Double.doubleToRawLongBits(sample.getStandardDeviation()),
                Double.doubleToRawLongBits(m.standardDeviation()));
        assertEquals(all.getStandardDeviation(), m.standardDeviation(), 1e-2 * all.getStandardDeviation());
    }

    /** Issue 8, fault 6: a NaN or infinite entry is left out, so the fills scaled by these moments stay finite. */
    @Test
    void nonFiniteEntriesAreLeftOut() {
        SplittableRandom random = new SplittableRandom(3);
        Tensor t = Tensor.allocate(DType.BF16, 500);
        SummaryStatistics finite = new SummaryStatistics();
        for (int i = 0; i < 500; i++) {
            t.set(i, i == 7 ? Double.NaN : i == 100 ? Double.POSITIVE_INFINITY : i == 300
                    ? Double.NEGATIVE_INFINITY : random.nextGaussian());
            if (Double.isFinite(t.get(i))) {
                finite.addValue(t.get(i));
            }
        }
        Moments m = Moments.of(t);
        assertEquals(497, m.count());
        assertEquals(finite.getMean(), m.mean());
        assertEquals(finite.getStandardDeviation(), m.standardDeviation());
    }
}
