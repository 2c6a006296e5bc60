package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Intermediate tensors of a multi-step plan (grown by an early step, read by a later one), kept in native memory up
 * to a byte budget and evicted least recently used first. Each tensor has its own arena, so evicting one frees its
 * memory at once instead of waiting for the garbage collector. Eviction happens only in {@link #trim}, between output
 * tensors, so nothing a computation is still reading can be freed under it. Evicted memory is kept for the next
 * tensor of the same byte size (every layer's intermediates have the same shapes), up to the budget again: fresh
 * pages cost a page fault each on first touch, which on a virtualised machine costs more than filling them. At rest
 * the cache so holds at most twice its budget.
 */
final class IntermediateCache implements AutoCloseable {
    private record Entry(Tensor tensor, Arena arena) {
    }

    private final long budgetBytes;
    private final LinkedHashMap<StagedKey, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** Evicted memory, oldest first, reused by size. */
    private final List<Arena> spare = new ArrayList<>();
    private final List<MemorySegment> spareMemory = new ArrayList<>();
    private long spareBytes;
    private long reusedBytes;
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
     * Memory for {@code key}, cached from now on: evicted memory of the same size, else fresh (zeroed). Its contents
     * are unspecified; the caller writes every byte. Shared arenas, because the padding kernel reads and writes from
     * the common pool's threads.
     */
    Tensor allocate(StagedKey key, DType dtype, long[] shape) {
        long size = Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
        Arena arena;
        MemorySegment memory;
        int reuse = spareOfSize(size);
        if (reuse >= 0) {
            arena = spare.remove(reuse);
            memory = spareMemory.remove(reuse);
            spareBytes -= size;
            reusedBytes += size;
        } else {
            arena = Arena.ofShared();
            memory = arena.allocate(Math.max(size, 1), 8).asSlice(0, size);
        }
        Tensor t = new Tensor(dtype, shape, memory);
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

    /**
     * Evicts least recently used tensors until the cache fits its budget, keeping their memory for reuse up to the
     * budget (the oldest kept memory is freed first).
     */
    void trim() {
        Iterator<Map.Entry<StagedKey, Entry>> it = entries.entrySet().iterator();
        while (bytes > budgetBytes && it.hasNext()) {
            Entry e = it.next().getValue();
            it.remove();
            bytes -= e.tensor().byteSize();
            spare.add(e.arena());
            spareMemory.add(e.tensor().data());
            spareBytes += e.tensor().byteSize();
        }
        while (!spare.isEmpty() && spareBytes > budgetBytes) {
            spareBytes -= spareMemory.removeFirst().byteSize();
            spare.removeFirst().close();
        }
    }

    private int spareOfSize(long size) {
        for (int i = 0; i < spareMemory.size(); i++) {
            if (spareMemory.get(i).byteSize() == size) {
                return i;
            }
        }
        return -1;
    }

    /** Bytes served from evicted memory instead of fresh pages, over the run. */
    long reusedBytes() {
        return reusedBytes;
    }

    /** The most bytes held at once, for reports. */
    long peakBytes() {
        return peakBytes;
    }

    @Override
    public void close() {
        entries.values().forEach(e -> e.arena().close());
        entries.clear();
        spare.forEach(Arena::close);
        spare.clear();
        spareMemory.clear();
        spareBytes = 0;
        bytes = 0;
    }
}
