package io.grow4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HiddenWidthsTest {
    @Test
    void theNarrowerStateIsTiledWhicheverSideItIsOn() {
        double[] h = {1, 2, 3};
        double[] grown = {1, 2, 3, 1, 2, 3};
        assertArrayEquals(new double[][] {grown, grown}, HiddenWidths.align(h, grown));
        assertArrayEquals(new double[][] {grown, grown}, HiddenWidths.align(grown, h));
        assertArrayEquals(new double[][] {h, h}, HiddenWidths.align(h, h));
    }

    @Test
    void nonIntegerRatiosHaveNoCorrespondence() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HiddenWidths.align(new double[2], new double[3]));
        assertTrue(e.getMessage().contains("2 vs 3"), e.getMessage());
    }
}
