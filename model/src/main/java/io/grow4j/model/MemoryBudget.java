package io.grow4j.model;

import java.util.Locale;

/**
 * The up-front check that work about to be done in memory fits in what this JVM may use, so that a size taken from a
 * file or a plan fails at once with what needs how much, instead of minutes later as an OutOfMemoryError. Tensors
 * live in native memory from {@link java.lang.foreign.Arena}s, which the JVM caps at the heap limit unless
 * -XX:MaxDirectMemorySize says otherwise, so {@link Runtime#maxMemory()} bounds both.
 */
public final class MemoryBudget {
    /** How users raise the limit; the launcher passes GROW4J_JAVA_OPTS to the JVM. */
    public static final String HOW_TO_RAISE = "raise the limit with GROW4J_JAVA_OPTS=-Xmx<size>, e.g. -Xmx16g";

    private MemoryBudget() {
    }

    /** Bytes this JVM may hold at most (heap and, by default, native tensor memory each). */
    public static long limit() {
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * @param what  the work, as a phrase naming its subject ("reading the weights of model.bin")
     * @param bytes what it needs; negative means "more than 2^63" (an overflowed product)
     * @throws IllegalArgumentException {@code bytes} exceeds {@link #limit()}
     */
    public static void require(String what, long bytes) {
        String problem = problem(what, bytes);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** What {@link #require} would say, or null when {@code bytes} fits. */
    public static String problem(String what, long bytes) {
        if (bytes >= 0 && bytes <= limit()) {
            return null;
        }
        return what + " needs " + (bytes < 0 ? "more than 2^63 bytes" : size(bytes)) + " of memory, but this JVM may"
                + " use at most " + size(limit()) + ": " + HOW_TO_RAISE;
    }

    /** "1.50 GiB (1,610,612,736 bytes)": readable and exact. */
    public static String size(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB (%,d bytes)", bytes / (double) (1L << 30), bytes);
    }
}
