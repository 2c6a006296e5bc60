package io.grow4j.transforms;

/** What the new entries of a grown tensor must hold; the executor turns it into a concrete fill. */
public enum NewEntries {
    /** Required for exactness: every reader of these entries would otherwise change the function. */
    ZERO,
    /** Any value keeps the function; seeded random at the scale of the existing tensor so training can move it. */
    ARBITRARY,
    /** Any value keeps the function; the mean of the existing (scaled) entries, for norm gains. */
    MEAN,
    /**
     * Required for exactness: each new entry is the mean of the old (scaled) entries along the one axis that grows,
     * at its other indices. LayerNorm's mean fill (DESIGN 2.2): a writer's new rows are the mean of its old rows, so
     * every new residual dim holds the mean of the old ones.
     */
    AXIS_MEAN
}
