package io.grow4j.transforms;

/**
 * How a step treats one role's tensors: old entries are multiplied by scale and shifted by shift, new entries filled
 * by fill. Steps state scales of what a tensor means; {@link #onGain} turns a scale of a (1 + w) norm gain into the
 * scale and shift of the stored w.
 */
public record EntryRule(NewEntries fill, double scale, double shift) {
    public EntryRule(NewEntries fill, double scale) {
        this(fill, scale, 0.0);
    }

    /**
     * The rule for a norm gain stored as w when the norm multiplies by offset + w: (offset + w) × scale, i.e.
     * w' = scale·w + (scale − 1)·offset (DESIGN 2.6: scaling w itself moves Gemma's logits by 0.52).
     */
    public EntryRule onGain(double offset) {
        return offset == 0 || scale == 1.0 ? this : new EntryRule(fill, scale, shift + (scale - 1) * offset);
    }

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
