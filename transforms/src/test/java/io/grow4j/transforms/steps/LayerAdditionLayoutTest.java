package io.grow4j.transforms.steps;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Issue 8 fault 5: where new layers go and which old layer each takes its scale from, in linear time. */
class LayerAdditionLayoutTest {

    @Test
    void manyNewLayersAreLaidOutInLinearTime() {
        // The nearest old layer of each new one was found by searching outwards: quadratic in the layers added, so
        // half a million layers took hours before any size check could run.
        LayerAddition step = new LayerAddition(500_000, List.of());
        int[] nearest = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> LayerAddition.nearestOldLayers(step.oldLayerOf(3)));
        assertEquals(2, nearest[nearest.length - 1]);
        assertEquals(2, nearest[3]);
    }

    @Test
    void nearestOldLayerIsTheClosestAndPrefersTheOneBeforeOnATie() {
        // Old layers end up at 1 and 5 of 7; layer 3 is two from each and takes the one before (old layer 0).
        int[] nearest = LayerAddition.nearestOldLayers(new LayerAddition(5, List.of(0, 2, 3, 4, 6)).oldLayerOf(2));
        assertArrayEquals(new int[] {0, 0, 0, 1, 1}, new int[] {nearest[0], nearest[2], nearest[3], nearest[4],
                nearest[6]});
    }

    @Test
    void agreesWithTheOutwardSearchOnRandomLayouts() {
        long seed = 8;
        Random random = new Random(seed);
        for (int round = 0; round < 500; round++) {
            int old = random.nextInt(5);
            int add = 1 + random.nextInt(8);
            List<Integer> at = new ArrayList<>();
            for (int p = 0; p < old + add && at.size() < add; p++) {
                if (random.nextInt(old + add) < add) {
                    at.add(p);
                }
            }
            LayerAddition step = new LayerAddition(add, at.size() == add ? at : List.of());
            int[] origin = step.oldLayerOf(old);
            int[] nearest = LayerAddition.nearestOldLayers(origin);
            for (int layer = 0; layer < origin.length; layer++) {
                if (origin[layer] < 0) {
                    assertEquals(outwardSearch(origin, layer), nearest[layer],
                            "seed " + seed + " round " + round + ": " + old + " old layers, new at " + step.at()
                                    + ", layer " + layer);
                }
            }
        }
    }

    /** The former definition: look at distance 1, 2, ... before, then after. */
    private static int outwardSearch(int[] origin, int layer) {
        for (int d = 1; d < origin.length; d++) {
            if (layer - d >= 0 && origin[layer - d] >= 0) {
                return origin[layer - d];
            }
            if (layer + d < origin.length && origin[layer + d] >= 0) {
                return origin[layer + d];
            }
        }
        return -1;
    }
}
