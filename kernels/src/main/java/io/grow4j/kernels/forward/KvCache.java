package io.grow4j.kernels.forward;

import java.util.Arrays;

/**
 * Float keys and values of one session, per layer laid out [position, kvHeads·size] as the attention kernel reads
 * them. Capacity doubles on demand up to maxSeqLen, so a short session on a long-context model stays small.
 */
final class KvCache {
    private final int keyWidth;
    private final int valueWidth;
    private final int maxPositions;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;

    /** A cache with room for {@code positions} positions from the start (a prefill knows its sequence's length). */
    KvCache(int layers, int keyWidth, int valueWidth, int maxPositions, int positions) {
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        this.maxPositions = maxPositions;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = Math.min(maxPositions, Math.max(1, positions));
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[capacity * keyWidth];
            values[l] = new float[capacity * valueWidth];
        }
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Copies this position's key and value rows into the cache of {@code layer}. */
    void store(int layer, int position, float[] key, float[] value) {
        ensureCapacity(position + 1);
        System.arraycopy(key, 0, keys[layer], position * keyWidth, keyWidth);
        System.arraycopy(value, 0, values[layer], position * valueWidth, valueWidth);
    }

    private void ensureCapacity(int positions) {
        if (positions <= capacity) {
            return;
        }
        capacity = Math.min(maxPositions, Math.max(positions, 2 * capacity));
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], capacity * keyWidth);
            values[l] = Arrays.copyOf(values[l], capacity * valueWidth);
        }
    }
}
