package io.grow4j.kernels.cpu;

import io.grow4j.kernels.RangeBody;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a range of independent items in explicit chunks on the calling thread and {@code threads - 1} persistent
 * workers. Decoding one token of a 12-layer model makes 49 parallel calls of tens to hundreds of microseconds, so the
 * hand-off must cost far less than a thread wake-up (what a fork/join pool paid twice per call: a worker, then the
 * sleeping caller): workers spin for a short while after each call (the next one usually comes within microseconds)
 * before they park, the caller works through chunks itself instead of sleeping, and it spins, then parks, only for
 * chunks a worker has already taken. Chunks are taken one at a time from a shared counter, so a worker the operating
 * system has not scheduled (a shared machine) leaves its share to the others instead of holding the call up.
 *
 * <p>Chunks shrink as the range is used up (guided scheduling): each is a 1/(2·threads) share of the items left,
 * down to a floor of 1/(16·threads) of the range, so the last chunks are small and the threads finish close together
 * (with equal eighths, the caller waited half a chunk on average at the end of each call). Chunk boundaries depend
 * only on the item and thread counts and the grain, never on which thread runs a chunk, so results are the same bits
 * every run. Work below a threshold, and calls made while another call is running (from a body, or
 * from a second caller thread), run on the calling thread alone. Workers idle for {@link #IDLE_EXIT_NANOS} end and
 * are started again by the next call, so a backend that is never closed holds no threads for long.
 */
final class ParallelChunks implements AutoCloseable {
    /** Multiply-adds (or equivalent) below which a call is not worth handing to the pool. */
    static final long PARALLEL_WORK = 1L << 17;
    /** The smallest chunk is this share of a thread's items: small enough for an even finish, few enough chunks. */
    private static final int SMALLEST_CHUNK_PER_THREAD = 16;
    /**
     * How long a thread spins for work or completion before it parks, by default: several times the gap between two
     * of a decoding step's calls (a norm, RoPE or a bias: a few microseconds).
     */
    static final long SPIN_NANOS = 20_000;
    /** How long a parked worker waits for a call before it ends. */
    static final long IDLE_EXIT_NANOS = 1_000_000_000L;

    private final int threads;
    private final long spinNanos;
    private final Worker[] workers;
    /** Set while a call runs on the pool; a call that finds it set runs alone on its own thread. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The latest call; workers run each new one they see. */
    private volatile Job job;
    private volatile boolean closed;
    /** Where the threads waited, over every parallel call so far (written by the caller holding {@link #busy}). */
    private volatile HandOff handOff = HandOff.NONE;

    ParallelChunks(int threads) {
        this(threads, SPIN_NANOS);
    }

    /** @param spinNanos how long threads spin before they park (0: park at once, as a fork/join pool's threads do) */
    ParallelChunks(int threads, long spinNanos) {
        if (threads < 1 || spinNanos < 0) {
            throw new IllegalArgumentException("thread count must be >= 1 and spin time >= 0, got " + threads
                    + " and " + spinNanos + " ns");
        }
        this.threads = threads;
        this.spinNanos = spinNanos;
        this.workers = new Worker[threads - 1];
    }

    int threads() {
        return threads;
    }

    long spinNanos() {
        return spinNanos;
    }

    /** Workers whose threads have not ended (they end after {@link #IDLE_EXIT_NANOS} without a call). */
    int liveWorkers() {
        int live = 0;
        for (Worker w : workers) {
            live += w != null && w.state.get() != Worker.ENDED ? 1 : 0;
        }
        return live;
    }

    HandOff handOff() {
        return handOff;
    }

    /** Runs body over [0, items), in parallel when items × workPerItem is large enough. */
    void forRange(int items, long workPerItem, RangeBody body) {
        forRange(items, workPerItem, 1, body);
    }

    /**
     * {@link #forRange(int, long, RangeBody)} with every chunk but the last a multiple of {@code grain} items (4 for
     * row products, which go four rows at a time).
     */
    void forRange(int items, long workPerItem, int grain, RangeBody body) {
        if (workers.length == 0 || items < 2 || items * workPerItem < PARALLEL_WORK || closed
                || !busy.compareAndSet(false, true)) {
            body.run(0, items);
            return;
        }
        try {
            long posted = System.nanoTime();
            Job j = new Job(body, bounds(items, threads, grain), Thread.currentThread(), spinNanos);
            job = j;
            wakeWorkers();
            int mine = j.work();
            long ranOut = System.nanoTime();
            j.await();
            long end = System.nanoTime();
            long firstWorkerChunk = j.firstWorkerChunk.get();
            handOff = handOff.plus(j.chunks, mine, (firstWorkerChunk == 0 ? end : firstWorkerChunk) - posted,
                    end - ranOut, end - posted);
            j.rethrow();
        } finally {
            job = null; // the body's arrays are not held past the call
            busy.set(false);
        }
    }

    /**
     * Chunk boundaries over [0, items): 0, then each chunk the larger of a 1/(2·threads) share of the items left and
     * a 1/(16·threads) share of all of them, rounded up to the grain; the last ends at items.
     */
    static int[] bounds(int items, int threads, int grain) {
        int floor = roundUp(Math.ceilDiv(items, SMALLEST_CHUNK_PER_THREAD * threads), grain);
        int[] out = new int[SMALLEST_CHUNK_PER_THREAD * threads + 2]; // every chunk but the last is at least floor
        int n = 0;
        for (int at = 0; at < items; ) {
            at = Math.min(items, at + Math.max(floor, roundUp(Math.ceilDiv(items - at, 2 * threads), grain)));
            out[++n] = at;
        }
        return java.util.Arrays.copyOf(out, n + 1);
    }

    private static int roundUp(int a, int grain) {
        return Math.ceilDiv(a, grain) * grain;
    }

    /** Parked workers are unparked, ended ones started again (only the caller holding {@link #busy} gets here). */
    private void wakeWorkers() {
        for (int i = 0; i < workers.length; i++) {
            Worker w = workers[i];
            if (w == null || w.state.get() == Worker.ENDED) {
                workers[i] = new Worker(i);
            } else if (w.state.get() == Worker.PARKED) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            if (w != null) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    /** One call: its chunks are taken in order from {@code next} by whichever thread comes first. */
    private static final class Job {
        private final RangeBody body;
        /** Chunk c is [bounds[c], bounds[c + 1]). */
        private final int[] bounds;
        private final int chunks;
        private final Thread caller;
        private final long spinNanos;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** When a worker took its first chunk (System.nanoTime), 0 until one does. */
        private final AtomicLong firstWorkerChunk = new AtomicLong();
        private volatile boolean callerParked;

        Job(RangeBody body, int[] bounds, Thread caller, long spinNanos) {
            this.body = body;
            this.bounds = bounds;
            this.chunks = bounds.length - 1;
            this.caller = caller;
            this.spinNanos = spinNanos;
        }

        /**
         * Runs chunks until none is left, then adds them to the done count; the thread completing the count wakes a
         * parked caller. Returns the number of chunks this thread ran.
         */
        int work() {
            int ran = 0;
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement(), ran++) {
                if (ran == 0 && Thread.currentThread() != caller) {
                    firstWorkerChunk.compareAndSet(0, System.nanoTime());
                }
                try {
                    body.run(bounds[c], bounds[c + 1]);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
            // One update of the shared count per thread and call, not one per chunk: the line holding it moves
            // between the cores once per thread instead of at every chunk.
            if (ran > 0 && done.addAndGet(ran) == chunks && callerParked) {
                LockSupport.unpark(caller);
            }
            return ran;
        }

        /** Waits for chunks other threads took: spinning first, then parked (flag set before the last check). */
        void await() {
            long t0 = System.nanoTime();
            while (done.get() < chunks && System.nanoTime() - t0 < spinNanos) {
                Thread.onSpinWait();
            }
            callerParked = true;
            while (done.get() < chunks) {
                LockSupport.park(this);
            }
        }

        void rethrow() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** A pool thread: runs each new call's chunks, spins a while, parks, and ends after a long idle spell. */
    private final class Worker {
        static final int RUNNING = 0;
        static final int PARKED = 1;
        static final int ENDED = 2;

        final AtomicInteger state = new AtomicInteger(RUNNING);
        final Thread thread;

        Worker(int index) {
            thread = Thread.ofPlatform().daemon().name("grow4j-cpu-" + index).start(this::loop);
        }

        private void loop() {
            Job last = null;
            long idleSince = System.nanoTime();
            while (!closed) {
                Job j = job;
                if (j != last) {
                    last = j;
                    if (j != null) {
                        j.work();
                    }
                    idleSince = System.nanoTime();
                    continue;
                }
                long idle = System.nanoTime() - idleSince;
                if (idle < spinNanos) {
                    Thread.onSpinWait();
                    continue;
                }
                // PARKED is published before the last look at job, so a caller that posts a job after that look
                // sees PARKED and unparks this thread (both are volatile: one of the two sees the other's write).
                state.set(PARKED);
                if (job == last && !closed) {
                    if (idle >= IDLE_EXIT_NANOS && state.compareAndSet(PARKED, ENDED)) {
                        return;
                    }
                    LockSupport.parkNanos(this, IDLE_EXIT_NANOS);
                }
                state.set(RUNNING);
            }
            state.set(ENDED);
        }
    }
}
