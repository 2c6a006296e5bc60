package io.grow4j.transforms.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes output tensors on a thread of its own, in the order they are queued, while the growing thread builds the
 * next one into the other of two buffers. Writing a built tensor (one copy into the page cache, in the kernel, on one
 * core) was a single-threaded stage during which the padding kernel's threads sat idle; the bytes and their order in
 * the file are unchanged, since one thread performs every write and copy in queue order.
 */
final class WriteBehind implements AutoCloseable {
    /** One write or file-to-file copy into the current sink. */
    interface Write {
        void run() throws IOException;
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "grow4j-writer");
        t.setDaemon(true);
        return t;
    });
    private final MemorySegment[] buffers = new MemorySegment[2];
    private final Future<?>[] using = new Future<?>[2];
    private final Deque<Future<?>> queued = new ArrayDeque<>();
    private int turn;

    /** Two buffers of {@code bytes} each (the largest built tensor), allocated once in {@code arena}. */
    WriteBehind(Arena arena, long bytes) {
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = arena.allocate(Math.max(bytes, 1), 64);
        }
    }

    /** The buffer to build the next tensor in, once the write that last read it has finished. */
    MemorySegment buffer() throws IOException {
        await(using[turn]);
        return buffers[turn];
    }

    /** Queues {@code write}, which reads the buffer last returned by {@link #buffer()}; the next tensor gets the other. */
    void queueFromBuffer(Write write) throws IOException {
        using[turn] = queue0(write);
        turn ^= 1;
    }

    /** Queues a write that reads no buffer (a file-to-file copy). */
    void queue(Write write) throws IOException {
        queue0(write);
    }

    private Future<?> queue0(Write write) throws IOException {
        reapFinished();
        Future<?> f = thread.submit(() -> {
            try {
                write.run();
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        queued.addLast(f);
        return f;
    }

    /** Waits for every queued write; the first that failed is thrown. */
    void drain() throws IOException {
        while (!queued.isEmpty()) {
            await(queued.removeFirst());
        }
    }

    /**
     * After a failure on the growing thread: waits for queued writes, ignoring their failures, so that nothing
     * writes into a file the caller is about to close and remove. A no-op after {@link #drain}.
     */
    void quiesce() {
        while (!queued.isEmpty()) {
            try {
                queued.removeFirst().get();
            } catch (ExecutionException e) {
                // the growing thread's own failure is the one reported
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Surfaces a failed write early, and keeps the queue short. */
    private void reapFinished() throws IOException {
        while (!queued.isEmpty() && queued.peekFirst().isDone()) {
            await(queued.removeFirst());
        }
    }

    private static void await(Future<?> f) throws IOException {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("writing failed", cause);
        }
    }

    @Override
    public void close() {
        quiesce();
        thread.shutdownNow();
    }
}
