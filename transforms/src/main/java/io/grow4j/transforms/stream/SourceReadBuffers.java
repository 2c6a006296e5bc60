package io.grow4j.transforms.stream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Native buffers that source tensors are read into, reused from one output tensor to the next. Mapping a tensor
 * instead costs a page-table update per page (or per fault-around block) on every map and unmap, which a profile of
 * streamed growth showed as its largest kernel cost after the write itself (virtualised page tables make each fault
 * expensive); a read into pages touched once per run costs one copy, as {@code cp} pays. Buffers handed out stay
 * valid until {@link #releaseAll}; at most {@link #KEEP} are kept between tensors, so memory stays bounded by the few
 * largest source tensors one output tensor reads.
 */
final class SourceReadBuffers implements AutoCloseable {
    /** One output tensor reads its source and at most a few statistics references at once. */
    static final int KEEP = 4;

    private record Buffer(Arena arena, MemorySegment segment) {
    }

    private final List<Buffer> free = new ArrayList<>();
    private final List<Buffer> inUse = new ArrayList<>();

    /** A buffer of exactly {@code bytes}, valid until {@link #releaseAll}: the smallest free one that fits, or new. */
    MemorySegment take(long bytes) {
        Buffer best = null;
        for (Buffer b : free) {
            long size = b.segment().byteSize();
            if (size >= bytes && (best == null || size < best.segment().byteSize())) {
                best = b;
            }
        }
        if (best == null) {
            Arena arena = Arena.ofShared(); // the padding kernel reads from the common pool's threads
            best = new Buffer(arena, arena.allocate(Math.max(bytes, 1), 64));
        } else {
            free.remove(best);
        }
        inUse.add(best);
        return best.segment().asSlice(0, bytes);
    }

    /** Every buffer handed out may be reused; beyond {@link #KEEP}, the smallest are freed. */
    void releaseAll() {
        free.addAll(inUse);
        inUse.clear();
        free.sort(Comparator.comparingLong((Buffer b) -> b.segment().byteSize()).reversed());
        while (free.size() > KEEP) {
            free.removeLast().arena().close();
        }
    }

    @Override
    public void close() {
        free.forEach(b -> b.arena().close());
        inUse.forEach(b -> b.arena().close());
        free.clear();
        inUse.clear();
    }
}
