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
                    assertEquals(8, first.size(), "4 chunks per thread: " + first);
                }
                assertEquals(first, sorted, "call " + call);
            }
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
        AtomicIntegerArray runs = new AtomicIntegerArray(items);
        pool.forRange(items, BIG, (from, to) -> {
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
