package io.grow4j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link DType#round} must give, bit for bit, what a tensor keeps when a value is stored and read back: streamed
 * growth measures intermediate tensors through it without building them, and their fills must equal the in-memory
 * grower's. Values at the edges of each format: ties, subnormals, overflow to infinity, NaN, signed zeros.
 */
class DTypeRoundTest {
    @ParameterizedTest
    @EnumSource(DType.class)
    void roundingEqualsStoringAndReadingBack(DType dtype) {
        Random random = new Random(dtype.ordinal());
        Tensor t = Tensor.allocate(dtype, 1);
        double[] edges = {0.0, -0.0, 1.0, 1.0 + 0x1p-8, 1.0 + 0x1p-9, 1.0 + 0x1p-11, 65504.0, 65520.0, 1e-8, 3e-39,
                1e-45, 1e39, -1e39, 1e300, Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Float.MAX_VALUE, 0x1.0000010000001p0, 0x1.00801p0};
        for (int i = 0; i < edges.length + 100_000; i++) {
            double v = i < edges.length ? edges[i] : random.nextGaussian() * Math.pow(10, random.nextInt(80) - 40);
            t.set(0, v);
            assertEquals(Double.doubleToRawLongBits(t.get(0)), Double.doubleToRawLongBits(dtype.round(v)),
                    dtype + " rounding of " + v);
        }
    }
}
