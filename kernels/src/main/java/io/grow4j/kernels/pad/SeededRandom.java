package io.grow4j.kernels.pad;

/**
 * Counter-based random numbers: SplitMix64's finaliser applied to seed and index. Stateless, so padding kernels on
 * any device, in any order, in any slice of a streamed tensor produce the same values. Device kernels repeat this
 * arithmetic exactly (64-bit integer ops, then one double multiply).
 */
public final class SeededRandom {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SeededRandom() {
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform on [0, 1) with 53 random bits. */
    public static double unit(long seed, long index) {
        return (mix(seed + (index + 1) * GOLDEN) >>> 11) * 0x1.0p-53;
    }

    /**
     * The seed whose index {@code i} gives what index {@code offset + i} of {@code seed} gives: {@link #unit} adds
     * (index + 1) × the golden-ratio constant to the seed in wrapping 64-bit arithmetic, so moving the counter's start
     * is adding offset × that constant to the seed, exactly, for any offset. Lets a kernel fill one slice of a tensor
     * (a streamed tensor's appended rows) as the whole tensor's fill would.
     */
    public static long seedFrom(long seed, long offset) {
        return seed + offset * GOLDEN;
    }

    /** Derives an independent seed from a parent seed and a label (plan step, tensor). */
    public static long derive(long seed, long label) {
        return mix(seed ^ mix(label + GOLDEN));
    }
}
