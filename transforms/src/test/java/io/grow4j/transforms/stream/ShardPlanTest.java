package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.format.SafetensorsEntry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShardPlanTest {
    private static SafetensorsEntry entry(String name, long elements) {
        return new SafetensorsEntry(name, DType.F32, new long[] {elements});
    }

    @Test
    void tensorsFillShardsInOrderAndAnOversizedOneGetsItsOwn() throws IOException {
        ShardPlan plan = ShardPlan.of(List.of(entry("a", 100), entry("b", 100), entry("c", 1000), entry("d", 10),
                entry("e", 100)), 800);
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), plan.shards().stream().map(ShardPlan.Shard::fileName).toList());
        assertEquals(List.of(List.of("a", "b"), List.of("c"), List.of("d", "e")), plan.shards().stream()
                .map(s -> s.entries().stream().map(SafetensorsEntry::name).toList()).toList());
        assertEquals(4 * 1310L, plan.dataBytes());
        assertEquals("model-00002-of-00003.safetensors", plan.weightMap().get("c"));
        long headers = plan.shards().stream().mapToLong(s -> s.prefix().length).sum();
        assertEquals(plan.dataBytes() + headers, plan.fileBytes());
        plan.shards().forEach(s -> assertEquals(0, (s.prefix().length - 8) % 8, "data starts 8-byte aligned"));
    }

    @Test
    void oneShardIsTheUnshardedFile() throws IOException {
        ShardPlan plan = ShardPlan.of(List.of(entry("a", 3), entry("b", 5)), 1L << 30);
        assertEquals(1, plan.shards().size());
        assertEquals("model.safetensors", plan.shards().getFirst().fileName());
        assertEquals(false, plan.sharded());
    }
}
