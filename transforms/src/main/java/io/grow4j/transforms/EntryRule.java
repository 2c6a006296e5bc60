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
}
