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

    Zero ZERO = new Zero();

    /** Value of new entry number {@code flatIndex}. */
    default double valueAt(long flatIndex) {
        return switch (this) {
            case Zero z -> 0.0;
            case Constant c -> c.value();
            case Uniform u -> u.halfWidth() * (2.0 * SeededRandom.unit(u.seed(), flatIndex) - 1.0);
        };
    }
}
