package io.grow4j.kernels.pad;

/** How the new entries of a grown tensor are filled. */
public sealed interface Fill {

    /** Exact zeros: where the function depends on it. */
    record Zero() implements Fill {
    }

    /**
     * "Arbitrary" entries: uniform on [-halfWidth, halfWidth], a pure function of (seed, flat index in the new tensor),
     * so any backend and any tensor order reproduce the same values.
     */
    record Uniform(long seed, double halfWidth) implements Fill {
        /** The uniform with the given standard deviation. */
        public static Uniform withStd(long seed, double std) {
            return new Uniform(seed, std * Math.sqrt(3.0));
        }
    }

    /** Every new entry the same value (new norm gains, for instance). */
    record Constant(double value) implements Fill {
    }

    /**
     * Each new entry is the mean of the old entries along {@code axis} at its other (old) indices, times the spec's
     * scale: scale × (Σ_k old[.., k, ..]) / n, summed in double in index order k = 0..n−1 over all n old indices of
     * the axis. LayerNorm's mean fill (DESIGN 2.2): a writer's new rows are the mean of its old rows, an embedding's
     * new columns each row's mean. An entry that is new along another axis too has nothing to average and is zero.
     */
    record AxisMean(int axis) implements Fill {
        public AxisMean {
            if (axis < 0) {
                throw new IllegalArgumentException("axis must be >= 0, got " + axis);
            }
        }
    }

    Zero ZERO = new Zero();

    /** True when new entries depend on the source tensor, not on their index alone. */
    default boolean readsSource() {
        return this instanceof AxisMean;
    }

    /**
     * This fill seen from entry {@code offset} on: entry i of the result is entry offset + i of this one, so a slice of
     * a tensor (its appended rows) can be built alone with the values the whole tensor would get.
     *
     * @throws IllegalStateException for a fill that {@link #readsSource() reads the source}: its values depend on
     *                               where an entry sits in the whole tensor, not on a flat index
     */
    default Fill from(long offset) {
        return switch (this) {
            case Zero z -> z;
            case Constant c -> c;
            case Uniform u -> new Uniform(SeededRandom.seedFrom(u.seed(), offset), u.halfWidth());
            case AxisMean m -> throw new IllegalStateException("axis means depend on the whole source tensor: "
                    + "they have no values by flat index to start from");
        };
    }

    /** Value of new entry number {@code flatIndex}; only for fills that do not {@link #readsSource() read the source}. */
    default double valueAt(long flatIndex) {
        return switch (this) {
            case Zero z -> 0.0;
            case Constant c -> c.value();
            case Uniform u -> u.halfWidth() * (2.0 * SeededRandom.unit(u.seed(), flatIndex) - 1.0);
            case AxisMean m -> throw new IllegalStateException("axis means depend on the source tensor: "
                    + "a PadKernel computes them");
        };
    }
}
