package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.model.format.TensorLocation;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * One streamed growth writing one directory: the output tensors in file order, each traced back to what it is made
 * of. An unchanged tensor is copied file to file; any other one is built into a reusable buffer (sized to the largest
 * such tensor, so memory does not grow with the model) and written out. config.json follows the shards, and the index
 * comes last.
 */
final class GrowthStream implements AutoCloseable {
    /**
     * How many output tensors ahead statistics are started: enough to keep every core busy while one tensor is
     * written, few enough that the mapped references stay a handful of tensors.
     */
    private static final int PREFETCH_AHEAD = Runtime.getRuntime().availableProcessors() + 1;
    private final PlanTrace trace;
    private final SourceTensors source;
    private final StagedTensors staged;
    private final Map<String, TensorKey> keysByName;
    private final Arena bufferArena = Arena.ofShared();
    private MemorySegment buffer;
    private int copied;
    private int prefetched;

    GrowthStream(PlanTrace trace, SourceTensors source, PadKernel kernel, long cacheBytes) {
        this.trace = trace;
        this.source = source;
        this.staged = new StagedTensors(trace, source, kernel, cacheBytes);
        this.keysByName = HfCheckpoint.tensorNames(grownConfig());
    }

    TransformerConfig grownConfig() {
        return trace.config(trace.finalStage());
    }

    /** Name, dtype and shape of every output tensor, in the order the directory stores them. */
    List<SafetensorsEntry> outputEntries() {
        List<SafetensorsEntry> entries = new ArrayList<>();
        SequencedMap<String, TensorKey> names = HfCheckpoint.tensorNames(grownConfig());
        names.forEach((name, key) -> entries.add(new SafetensorsEntry(name, trace.dtype(finalKey(key)),
                key.role().shape(grownConfig()))));
        return entries;
    }

    /** Writes the shards, config.json and (when sharded) the index into {@code dir}, which it creates. */
    void writeTo(Path dir, ShardPlan plan, StreamProgress progress) throws IOException {
        Files.createDirectory(dir);
        allocateBuffer(plan);
        List<SafetensorsEntry> all = plan.shards().stream().flatMap(s -> s.entries().stream()).toList();
        int next = 0;
        for (ShardPlan.Shard shard : plan.shards()) {
            try (ShardWriter writer = ShardWriter.create(dir, shard)) {
                for (SafetensorsEntry entry : shard.entries()) {
                    prefetchThrough(all, next + PREFETCH_AHEAD);
                    writeTensor(writer, entry);
                    next++;
                    progress.tensorWritten(entry.name(), entry.byteSize());
                }
            }
        }
        HfCheckpoint.writeConfig(dir, grownConfig(), all.stream().map(SafetensorsEntry::dtype).toList());
        if (plan.sharded()) {
            SafetensorsWriter.writeIndex(dir.resolve(SafetensorsWriter.INDEX), plan.weightMap(), plan.dataBytes());
        }
    }

    /** Statistics for the output tensors up to index {@code last} start on other threads (each tensor once). */
    private void prefetchThrough(List<SafetensorsEntry> all, int last) {
        for (; prefetched <= Math.min(last, all.size() - 1); prefetched++) {
            staged.prefetch(finalKey(keysByName.get(all.get(prefetched).name())));
        }
    }

    private void writeTensor(ShardWriter writer, SafetensorsEntry entry) throws IOException {
        StagedKey origin = trace.origin(finalKey(keysByName.get(entry.name())));
        try {
            if (origin.stage() == 0) {
                TensorLocation from = source.location(origin.key());
                writer.transfer(source.channel(origin.key()), from.offset(), from.byteSize());
                copied++;
            } else {
                Tensor out = new Tensor(entry.dtype(), entry.shape(), buffer.asSlice(0, entry.byteSize()));
                staged.build(origin, out);
                writer.write(out.data());
            }
        } finally {
            staged.release();
        }
    }

    /** One buffer for every built tensor: the largest one's size, allocated (and zeroed) once per run. */
    private void allocateBuffer(ShardPlan plan) {
        long largest = 0;
        for (ShardPlan.Shard shard : plan.shards()) {
            for (SafetensorsEntry e : shard.entries()) {
                if (trace.origin(finalKey(keysByName.get(e.name()))).stage() > 0) {
                    largest = Math.max(largest, e.byteSize());
                }
            }
        }
        buffer = bufferArena.allocate(Math.max(largest, 1), 64);
    }

    private StagedKey finalKey(TensorKey key) {
        return new StagedKey(trace.finalStage(), key);
    }

    int copiedTensors() {
        return copied;
    }

    long peakCacheBytes() {
        return staged.peakCacheBytes();
    }

    @Override
    public void close() {
        staged.close();
        bufferArena.close();
    }
}
