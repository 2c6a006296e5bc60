package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

import java.lang.foreign.Arena;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Intermediate tensors of a multi-step plan (grown by an early step, read by a later one), kept in native memory up
 * to a byte budget and evicted least recently used first. Each tensor has its own arena, so evicting one frees its
 * memory at once instead of waiting for the garbage collector. Eviction happens only in {@link #trim}, between output
 * tensors, so nothing a computation is still reading can be freed under it.
 */
final class IntermediateCache implements AutoCloseable {
    private record Entry(Tensor tensor, Arena arena) {
    }

    private final long budgetBytes;
    private final LinkedHashMap<StagedKey, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long peakBytes;

    IntermediateCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** The cached tensor, or null. */
    Tensor get(StagedKey key) {
        Entry e = entries.get(key);
        return e == null ? null : e.tensor();
    }

    /**
     * Fresh zeroed memory for {@code key}, cached from now on. Shared arenas, because the padding kernel reads and
     * writes from the common pool's threads.
     */
    Tensor allocate(StagedKey key, DType dtype, long[] shape) {
        long size = Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
        Arena arena = Arena.ofShared();
        Tensor t = new Tensor(dtype, shape, arena.allocate(Math.max(size, 1), 8).asSlice(0, size));
        entries.put(key, new Entry(t, arena));
        bytes += size;
        peakBytes = Math.max(peakBytes, bytes);
        return t;
    }

    /** Forgets a tensor whose computation failed, so no half-built data is ever served. */
    void discard(StagedKey key) {
        Entry e = entries.remove(key);
        if (e != null) {
            bytes -= e.tensor().byteSize();
            e.arena().close();
        }
    }

    /** Evicts least recently used tensors until the cache fits its budget. */
    void trim() {
        Iterator<Map.Entry<StagedKey, Entry>> it = entries.entrySet().iterator();
        while (bytes > budgetBytes && it.hasNext()) {
            Entry e = it.next().getValue();
            it.remove();
            bytes -= e.tensor().byteSize();
            e.arena().close();
        }
    }

    /** The most bytes held at once, for reports. */
    long peakBytes() {
        return peakBytes;
    }

    @Override
    public void close() {
        entries.values().forEach(e -> e.arena().close());
        entries.clear();
        bytes = 0;
    }
}
