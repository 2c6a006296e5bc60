package io.grow4j.transforms.stream;

import io.grow4j.transforms.TensorRecipe;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One shared copy of each distinct axis map. Steps build a fresh int[] per tensor and axis (identity maps, prefix maps),
 * so a whole plan's recipes for a 70 B model hold over 100 MB of equal arrays; a streamed growth keeps every step's
 * recipes for the whole run, and sharing the equal ones keeps that to the few distinct maps a step has.
 */
final class IndexMaps {
    /** int[] by content. */
    private record Key(int[] map) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(map, k.map);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(map);
        }
    }

    private final Map<Key, int[]> canonical = new HashMap<>();

    /** The same recipe with each axis map replaced by the shared copy of equal content. */
    TensorRecipe share(TensorRecipe r) {
        int[][] maps = new int[r.newToOld().length][];
        for (int a = 0; a < maps.length; a++) {
            maps[a] = canonical.computeIfAbsent(new Key(r.newToOld()[a]), Key::map);
        }
        return new TensorRecipe(r.target(), r.source(), r.statsFrom(), r.oldShape(), r.newShape(), maps, r.scale(),
                r.fill(), r.shift(), r.rewrite());
    }
}
