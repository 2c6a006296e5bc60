package io.grow4j.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * The machine's read bandwidth, the ceiling of any pass that streams its weights once (decoding): a plain vectorised
 * float sum over a buffer larger than the caches, split into one contiguous part per core. Four independent
 * accumulators keep the adds off the critical path, so the loads are what is measured (STREAM-style "sum" kernel).
 */
public final class ReadBandwidth {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Part boundaries stay on cache lines and whole vectors of 4 accumulators. */
    private static final long ALIGN = 4L * SPECIES.vectorByteSize();

    private final long bytes;
    private final int threads;
    /** Written after each pass so the JIT cannot drop the sum. */
    private volatile float sink;

    /**
     * @param bytes   buffer size; must be well above the last-level cache (the full bench uses 1 GiB)
     * @param threads parts summed at once, normally every core
     */
    public ReadBandwidth(long bytes, int threads) {
        if (bytes < ALIGN * threads || threads < 1) {
            throw new IllegalArgumentException("read bandwidth buffer of " + bytes + " bytes for " + threads
                    + " threads is too small");
        }
        this.bytes = bytes - bytes % (ALIGN * threads);
        this.threads = threads;
    }

    /** Bytes one {@link #sum} reads (the requested size rounded down to whole parts). */
    long bytes() {
        return bytes;
    }

    /** Median GB/s over {@code timer}'s runs, as a {@code read} result of backend {@code sum}. */
    public BenchResult measure(Timer timer) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            buffer.fill((byte) 1); // touch every page before timing
            double seconds = timer.median(() -> sink = sum(buffer));
            return BenchResult.memory("read", (bytes >> 20) + " MiB, " + threads + " threads", "sum",
                    "host memory", seconds, bytes);
        }
    }

    float sum(MemorySegment buffer) {
        long part = bytes / threads;
        return (float) IntStream.range(0, threads).parallel()
                .mapToDouble(t -> sumPart(buffer, t * part, part))
                .sum();
    }

    private static float sumPart(MemorySegment buffer, long from, long length) {
        FloatVector a = FloatVector.zero(SPECIES);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        long step = SPECIES.vectorByteSize();
        ByteOrder order = ByteOrder.nativeOrder();
        for (long at = from, end = from + length; at < end; at += 4 * step) {
            a = a.add(FloatVector.fromMemorySegment(SPECIES, buffer, at, order));
            b = b.add(FloatVector.fromMemorySegment(SPECIES, buffer, at + step, order));
            c = c.add(FloatVector.fromMemorySegment(SPECIES, buffer, at + 2 * step, order));
            d = d.add(FloatVector.fromMemorySegment(SPECIES, buffer, at + 3 * step, order));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
