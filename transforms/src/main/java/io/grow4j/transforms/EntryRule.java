package io.grow4j.transforms;

/** How a step treats one role's tensors: old entries are multiplied by scale, new entries filled by fill. */
public record EntryRule(NewEntries fill, double scale) {
    public static final EntryRule ZERO = new EntryRule(NewEntries.ZERO, 1.0);
    public static final EntryRule ARBITRARY = new EntryRule(NewEntries.ARBITRARY, 1.0);

    public static EntryRule arbitraryScaled(double scale) {
        return new EntryRule(NewEntries.ARBITRARY, scale);
    }

    public static EntryRule meanScaled(double scale) {
        return new EntryRule(NewEntries.MEAN, scale);
    }

    /** New entries are the mean of the old ones along the grown axis (LayerNorm's mean fill); old ones kept. */
    public static final EntryRule AXIS_MEAN = new EntryRule(NewEntries.AXIS_MEAN, 1.0);

    /**
     * For axes that only repeat old indices (duplication), so no entry is new: old entries × scale. The fill is
     * nominal; zero is the safe one should a map ever hold a new index.
     */
    public static EntryRule copied(double scale) {
        return new EntryRule(NewEntries.ZERO, scale);
    }
}
