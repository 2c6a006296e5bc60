package io.grow4j.model;

/**
 * Attention sizes. Query head j reads key/value group j / (queryHeads / kvHeads). keySize is the per-head size of
 * queries and keys, valueSize that of values; both are stored, never derived from the hidden size. bias puts biases on
 * Q, K and V; outputBias on the output projection (Qwen2 has the first without the second).
 */
public record AttentionConfig(int queryHeads, int kvHeads, int keySize, int valueSize, boolean bias,
                              boolean outputBias) {

    /** Biases on all four projections, or on none. */
    public AttentionConfig(int queryHeads, int kvHeads, int keySize, int valueSize, boolean bias) {
        this(queryHeads, kvHeads, keySize, valueSize, bias, bias);
    }

    public AttentionConfig {
        if (queryHeads <= 0 || kvHeads <= 0 || keySize <= 0 || valueSize <= 0) {
            throw new IllegalArgumentException("attention sizes must be positive: heads " + queryHeads + ", kv heads "
                    + kvHeads + ", key size " + keySize + ", value size " + valueSize);
        }
        for (long[] product : new long[][] {{queryHeads, keySize}, {queryHeads, valueSize}}) {
            if (product[0] * product[1] > Dim.MAX_SIZE) {
                throw new IllegalArgumentException("query heads " + queryHeads + " x head size " + product[1] + " = "
                        + product[0] * product[1] + " rows exceed the largest axis, " + Dim.MAX_SIZE);
            }
        }
        if (queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException("query heads " + queryHeads + " not a multiple of kv heads " + kvHeads);
        }
    }

    public int queriesPerGroup() {
        return queryHeads / kvHeads;
    }

    public AttentionConfig withHeads(int newQueryHeads, int newKvHeads) {
        return new AttentionConfig(newQueryHeads, newKvHeads, keySize, valueSize, bias, outputBias);
    }

    public AttentionConfig withKeySize(int newKeySize) {
        return new AttentionConfig(queryHeads, kvHeads, newKeySize, valueSize, bias, outputBias);
    }

    public AttentionConfig withValueSize(int newValueSize) {
        return new AttentionConfig(queryHeads, kvHeads, keySize, newValueSize, bias, outputBias);
    }
}
