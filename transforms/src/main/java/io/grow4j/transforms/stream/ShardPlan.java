package io.grow4j.transforms.stream;

import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Which output tensor goes into which shard, decided before anything is written: tensors in order, a new shard when
 * the next tensor would take the current one past the size limit (a tensor larger than the limit gets a shard of its
 * own, as transformers does). One shard is written as model.safetensors without an index. Since every header is known
 * up front, so is every file's exact size, which the free-space check needs.
 */
record ShardPlan(List<Shard> shards) {

    /** One output file: its name, its tensors in order, and the bytes before the first tensor. */
    record Shard(String fileName, List<SafetensorsEntry> entries, byte[] prefix) {
        Shard {
            entries = List.copyOf(entries);
        }

        long dataBytes() {
            return entries.stream().mapToLong(SafetensorsEntry::byteSize).sum();
        }

        long fileBytes() {
            return prefix.length + dataBytes();
        }
    }

    ShardPlan {
        shards = List.copyOf(shards);
    }

    static ShardPlan of(List<SafetensorsEntry> tensors, long shardSize) throws IOException {
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shard size must be positive, got " + shardSize);
        }
        List<List<SafetensorsEntry>> groups = new ArrayList<>();
        List<SafetensorsEntry> current = new ArrayList<>();
        long currentBytes = 0;
        for (SafetensorsEntry e : tensors) {
            if (!current.isEmpty() && currentBytes + e.byteSize() > shardSize) {
                groups.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += e.byteSize();
        }
        groups.add(current);
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            String name = groups.size() == 1 ? SafetensorsWriter.SINGLE : SafetensorsWriter.shardName(i, groups.size());
            shards.add(new Shard(name, groups.get(i), SafetensorsWriter.prefix(groups.get(i))));
        }
        return new ShardPlan(shards);
    }

    boolean sharded() {
        return shards.size() > 1;
    }

    long dataBytes() {
        return shards.stream().mapToLong(Shard::dataBytes).sum();
    }

    long fileBytes() {
        return shards.stream().mapToLong(Shard::fileBytes).sum();
    }

    int tensorCount() {
        return shards.stream().mapToInt(s -> s.entries().size()).sum();
    }

    /** Tensor name to shard file name, for the index. */
    SequencedMap<String, String> weightMap() {
        SequencedMap<String, String> map = new LinkedHashMap<>();
        for (Shard s : shards) {
            s.entries().forEach(e -> map.put(e.name(), s.fileName()));
        }
        return Collections.unmodifiableSequencedMap(map);
    }
}
