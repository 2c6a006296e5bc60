package io.grow4j.kernels.forward;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Brings the next layer's mapped weights into the page cache while the current layer computes. A batched pass reads
 * each weight once, in layer order; with cold files every page otherwise arrives by its own fault, one small read at
 * a time (a 7 B-shaped pair was read at ~25 MB/s that way). {@link MemorySegment#load()} first asks the kernel for
 * the whole range at once (madvise WILLNEED), so the disk sees deep queues, and it runs on a thread of its own so the
 * reading overlaps the products. The pages are file-backed: they can be dropped at will and cost no heap.
 */
final class Readahead implements AutoCloseable {
    /** Made on the first mapped weight: passes over weights in memory start no thread. */
    private ExecutorService thread;

    /** Starts loading the mapped segments of these weights (others are in memory already); returns at once. */
    void ahead(List<Weight> weights) {
        List<MemorySegment> mapped = weights.stream().map(w -> w.tensor().data()).filter(MemorySegment::isMapped)
                .toList();
        if (mapped.isEmpty()) {
            return;
        }
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "grow4j-readahead");
                t.setDaemon(true);
                return t;
            });
        }
        thread.submit(() -> mapped.forEach(MemorySegment::load));
    }

    /** Stops the reading thread (a load under way finishes: it only touches pages, so nothing depends on it). */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdown();
        }
    }
}
