package io.grow4j.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;

/**
 * Runs a range of independent items in explicit chunks on a pool sized to the processors. Work below a threshold
 * stays on the calling thread: waking the pool costs tens of microseconds, more than a small model's whole matvec.
 */
final class ParallelChunks implements AutoCloseable {
    /** Multiply-adds (or equivalent) below which a call is not worth handing to the pool. */
    static final long PARALLEL_WORK = 1L << 17;
    /** A few chunks per thread, so a slow thread does not hold the others up. */
    private static final int CHUNKS_PER_THREAD = 4;

    /** The body of a parallel loop over items [from, to). */
    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    ParallelChunks(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
    }

    int threads() {
        return threads;
    }

    /** Runs body over [0, items), in parallel when items × workPerItem is large enough. */
    void forRange(int items, long workPerItem, RangeBody body) {
        if (pool == null || items < 2 || items * workPerItem < PARALLEL_WORK) {
            body.run(0, items);
            return;
        }
        int chunks = Math.min(items, threads * CHUNKS_PER_THREAD);
        pool.invoke(new Chunks(body, items, chunks, 0, chunks));
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Splits chunk indices [lo, hi) in halves; a single chunk runs its share of the items. */
    private static final class Chunks extends RecursiveAction {
        private final RangeBody body;
        private final int items;
        private final int chunks;
        private final int lo;
        private final int hi;

        Chunks(RangeBody body, int items, int chunks, int lo, int hi) {
            this.body = body;
            this.items = items;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.run(start(lo), start(hi));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunks(body, items, chunks, lo, mid), new Chunks(body, items, chunks, mid, hi));
        }

        private int start(int chunk) {
            return (int) ((long) chunk * items / chunks);
        }
    }
}
