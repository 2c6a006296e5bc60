package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Eviction keeps memory for the next tensor of the same size, within the budget; nothing evicted is served. */
class IntermediateCacheTest {
    private static StagedKey key(int layer) {
        return new StagedKey(1, TensorKey.of(Role.W_UP, layer));
    }

    @Test
    void evictedMemoryIsReusedForTheSameSizeWithinTheBudget() {
        try (IntermediateCache cache = new IntermediateCache(2000)) {
            Tensor a = cache.allocate(key(0), DType.BF16, new long[] {10, 20}); // 400 bytes
            Tensor b = cache.allocate(key(1), DType.F32, new long[] {10, 40}); // 1600 bytes
            cache.allocate(key(2), DType.F32, new long[] {10}); // 40 bytes
            long address = a.data().address();
            cache.trim(); // 2040 > 2000: key 0 evicted, its 400 bytes kept (<= 2000)
            assertNull(cache.get(key(0)), "an evicted tensor is never served");
            assertSame(b, cache.get(key(1)));

            cache.allocate(key(3), DType.F32, new long[] {50}); // 200 bytes: no kept memory of that size
            assertEquals(0, cache.reusedBytes());
            Tensor same = cache.allocate(key(4), DType.F32, new long[] {100}); // 400 bytes, another shape
            assertEquals(400, cache.reusedBytes());
            assertEquals(address, same.data().address());
            assertEquals(400, same.byteSize());
            assertEquals(2240, cache.peakBytes());
        }
    }

    @Test
    void keptMemoryBeyondTheBudgetIsFreedOldestFirst() {
        try (IntermediateCache cache = new IntermediateCache(1000)) {
            cache.allocate(key(0), DType.F32, new long[] {10, 20}); // 800 bytes
            cache.allocate(key(1), DType.F32, new long[] {150}); // 600 bytes
            cache.allocate(key(2), DType.F32, new long[] {10}); // 40 bytes
            cache.trim(); // 1440 > 1000: key 0 evicted (800 kept)
            cache.allocate(key(3), DType.F32, new long[] {240}); // 960 bytes, fresh
            cache.trim(); // 1600 > 1000: key 1 evicted; 1400 kept > 1000: the oldest, key 0, freed
            assertNull(cache.get(key(0)));
            cache.allocate(key(4), DType.F32, new long[] {200}); // 800 bytes: nothing kept of that size any more
            assertEquals(0, cache.reusedBytes());
            cache.allocate(key(5), DType.F32, new long[] {150}); // 600 bytes: key 1's memory
            assertEquals(600, cache.reusedBytes());
        }
    }
}
