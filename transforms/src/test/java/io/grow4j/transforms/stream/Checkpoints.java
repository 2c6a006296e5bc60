package io.grow4j.transforms.stream;

import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes test models as Hugging Face directories sharded at any size, which HfDirectoryFormat cannot. */
final class Checkpoints {
    private Checkpoints() {
    }

    static void writeSharded(Model model, Path out, long shardSize) throws IOException {
        Map<String, TensorKey> names = HfCheckpoint.tensorNames(model.config());
        List<SafetensorsEntry> entries = new ArrayList<>();
        names.forEach((name, key) -> entries.add(new SafetensorsEntry(name, model.tensor(key).dtype(),
                model.tensor(key).shape())));
        ShardPlan plan = ShardPlan.of(entries, shardSize);
        AtomicOutput.writeDirectory(out, dir -> {
            Files.createDirectory(dir);
            for (ShardPlan.Shard shard : plan.shards()) {
                try (ShardWriter writer = ShardWriter.create(dir, shard)) {
                    for (SafetensorsEntry e : shard.entries()) {
                        writer.write(model.tensor(names.get(e.name())).data());
                    }
                }
            }
            HfCheckpoint.writeCarried(dir, model.config(), entries.stream().map(SafetensorsEntry::dtype).toList(),
                    model.extras());
            if (plan.sharded()) {
                SafetensorsWriter.writeIndex(dir.resolve(SafetensorsWriter.INDEX), plan.weightMap(), plan.dataBytes());
            }
        });
    }
}
