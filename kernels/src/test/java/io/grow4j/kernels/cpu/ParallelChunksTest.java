package io.grow4j.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The persistent pool runs every item of every call exactly once, in chunks whose bounds do not depend on which thread
 * runs them, whatever the spin time; failures reach the caller; calls from a body run inline; workers that ended after
 * an idle spell are started again.
 */
class ParallelChunksTest {
    private static final long BIG = ParallelChunks.PARALLEL_WORK;

    @Test
    void everyItemRunsOnceInEveryCall() {
        for (long spin : new long[] {0, ParallelChunks.SPIN_NANOS}) {
            try (ParallelChunks pool = new ParallelChunks(3, spin)) {
                for (int call = 0; call < 2000; call++) {
                    assertEachItemOnce(pool, 2 + call % 37, "spin " + spin + ", call " + call);
                }
            }
        }
    }

    /** Sums that depend on where a chunk starts (as SegmentDots' four-row groups do) must not vary between runs. */
    @Test
    void chunkBoundsAreTheSameEveryCall() {
        try (ParallelChunks pool = new ParallelChunks(2)) {
            List<String> first = null;
            for (int call = 0; call < 200; call++) {
                List<String> bounds = new CopyOnWriteArrayList<>();
                pool.forRange(101, BIG, (from, to) -> bounds.add(from + ".." + to));
                List<String> sorted = new ArrayList<>(bounds);
                sorted.sort(null);
                if (first == null) {
                    first = sorted;
                    assertEquals(ParallelChunks.bounds(101, 2, 1).length - 1, first.size(), "chunks: " + first);
                }
                assertEquals(first, sorted, "call " + call);
            }
        }
    }

    /**
     * Guided chunks: they cover the range in order, shrink (never below 1/(16·threads) of the range, so a call has
     * at most 16 chunks per thread), start at multiples of the grain, and a large range has more, smaller chunks at
     * its end than equal eighths would (768 rows on two threads: the last 24 rows long instead of 96).
     */
    @Test
    void chunksShrinkTowardsTheEndOnTheGrain() {
        for (int threads : new int[] {2, 3, 8}) {
            for (int grain : new int[] {1, 4}) {
                for (int items : new int[] {2, 3, 7, 12, 101, 768, 2049, 32000}) {
                    int[] b = ParallelChunks.bounds(items, threads, grain);
                    String what = items + " items, " + threads + " threads, grain " + grain + ": "
                            + java.util.Arrays.toString(b);
                    assertEquals(0, b[0], what);
                    assertEquals(items, b[b.length - 1], what);
                    assertTrue(b.length - 1 <= 16 * threads + 1, what);
                    for (int c = 1; c < b.length; c++) {
                        assertTrue(b[c] > b[c - 1], what);
                        assertEquals(0, b[c - 1] % grain, what);
                        if (c + 1 < b.length) {
                            assertTrue(b[c + 1] - b[c] <= b[c] - b[c - 1], "chunks must not grow, " + what);
                        }
                    }
                }
            }
        }
        int[] rows = ParallelChunks.bounds(768, 2, 4);
        assertEquals(192, rows[1], "the first chunk is a quarter of the rows");
        assertEquals(24, rows[rows.length - 1] - rows[rows.length - 2], "the last is 1/32 of them");
    }

    @Test
    void everyItemRunsOnceOnTheGrain() {
        try (ParallelChunks pool = new ParallelChunks(3)) {
            for (int items = 2; items < 300; items += 7) {
                assertEachItemOnce(pool, items, 4, items + " items");
            }
        }
    }

    /** The wait figures count parallel calls only, with their chunks, and differences cover the calls in between. */
    @Test
    void handOffCountsTheParallelCalls() {
        try (ParallelChunks pool = new ParallelChunks(2)) {
            pool.forRange(768, BIG, 4, (from, to) -> { });
            HandOff before = pool.handOff();
            assertEquals(1, before.calls());
            assertEquals(ParallelChunks.bounds(768, 2, 4).length - 1, before.chunks());
            pool.forRange(100, 1, (from, to) -> { }); // too small: inline, not counted
            pool.forRange(101, BIG, (from, to) -> { });
            HandOff between = pool.handOff().minus(before);
            assertEquals(1, between.calls());
            assertEquals(ParallelChunks.bounds(101, 2, 1).length - 1, between.chunks());
            assertTrue(between.callerChunks() >= 0 && between.callerChunks() <= between.chunks(), between.toString());
            assertTrue(between.callNanos() > 0 && between.workerLagNanos() <= between.callNanos()
                    && between.callerWaitNanos() <= between.callNanos(), between.toString());
        }
    }

    @Test
    void aFailingChunkFailsTheCallAndThePoolGoesOn() {
        try (ParallelChunks pool = new ParallelChunks(2)) {
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.forRange(64, BIG,
                    (from, to) -> {
                        if (from == 0) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            assertEachItemOnce(pool, 64, "");
        }
    }

    /** A body that calls the pool again (a nested loop) runs that call on its own thread instead of deadlocking. */
    @Test
    void nestedCallsRunInline() {
        try (ParallelChunks pool = new ParallelChunks(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(16 * 16);
            pool.forRange(16, BIG, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    pool.forRange(16, BIG, (f, t) -> {
                        for (int j = f; j < t; j++) {
                            runs.incrementAndGet(row * 16 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 256; i++) {
                assertEquals(1, runs.get(i));
            }
        }
    }

    @Test
    void workersEndedByIdlenessAreStartedAgain() throws InterruptedException {
        try (ParallelChunks pool = new ParallelChunks(2)) {
            pool.forRange(8, BIG, (from, to) -> { });
            assertEquals(1, pool.liveWorkers());
            long deadline = System.nanoTime() + 10 * ParallelChunks.IDLE_EXIT_NANOS;
            while (pool.liveWorkers() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, pool.liveWorkers(), "an idle worker should have ended");
            assertEachItemOnce(pool, 64, "");
            assertEquals(1, pool.liveWorkers(), "the worker was started again");
        }
    }

    private static void assertEachItemOnce(ParallelChunks pool, int items, String what) {
        assertEachItemOnce(pool, items, 1, what);
    }

    /** Every item runs once, in chunks that start and end on the grain (the last may end at items). */
    private static void assertEachItemOnce(ParallelChunks pool, int items, int grain, String what) {
        AtomicIntegerArray runs = new AtomicIntegerArray(items);
        pool.forRange(items, BIG, grain, (from, to) -> {
            assertTrue(from % grain == 0 && (to % grain == 0 || to == items), what + ": chunk " + from + ".." + to);
            for (int i = from; i < to; i++) {
                runs.incrementAndGet(i);
            }
        });
        for (int i = 0; i < items; i++) {
            assertEquals(1, runs.get(i), what + ", item " + i);
        }
    }

    @Test
    void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ParallelChunks(0));
        assertThrows(IllegalArgumentException.class, () -> new ParallelChunks(2, -1));
    }
}
