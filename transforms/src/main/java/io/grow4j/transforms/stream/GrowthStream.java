package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufStreamWriter;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * One streamed growth writing one directory or one GGUF file: the output tensors in file order, each traced back to
 * what it is made of. An unchanged tensor stored as held is copied file to file; any other one is built into one of
 * two reusable buffers (sized to the largest such tensor, so memory does not grow with the model) and written out by
 * {@link WriteBehind} while the next one is built. In a
 * directory config.json follows the shards, and the index comes last.
 */
final class GrowthStream implements AutoCloseable {
    /**
     * How many output tensors ahead statistics are started: enough to keep every core busy while one tensor is
     * written and for the statistics threads to take their references three at a time (a layer's gate, up and down
     * are consecutive), few enough that the mapped references stay a handful of tensors.
     */
    private static final int PREFETCH_AHEAD = 2 * (Runtime.getRuntime().availableProcessors() + 1);
    private final PlanTrace trace;
    private final SourceTensors source;
    private final StagedTensors staged;
    private final SequencedMap<String, List<TensorKey>> partsByName;
    /** Per-expert output tensors (upcycling into mixtral or qwen2_moe directories): the expert each one holds. */
    private final Map<String, Integer> expertOf;
    /** Output tensors whose parts are interleaved head by head (GPT-NeoX's query_key_value), with the head count. */
    private final Map<String, Integer> interleaved;
    private final Arena bufferArena = Arena.ofShared();
    private WriteBehind writes;
    /** The stacked tensor whose expert slices are being written, built once for all of them. */
    private MemorySegment stackedBuffer;
    private Tensor stacked;
    private TensorKey stackedKey;
    private int copied;
    private int appended;
    private int prefetched;

    /** Where one tensor goes: a safetensors shard or a GGUF file, each tensor whole and in order. */
    interface TensorSink {
        void write(MemorySegment data) throws IOException;

        void transfer(FileChannel source, long offset, long count) throws IOException;

        /** Whether {@link #hole} can write zeros without their bytes. */
        default boolean holes() {
            return false;
        }

        /** {@code count} zero bytes, left as a hole in the file; only where {@link #holes()}. */
        default void hole(long count) throws IOException {
            throw new UnsupportedOperationException("this sink writes every byte");
        }
    }

    /** Output tensors named and fused as a safetensors directory stores them. */
    GrowthStream(PlanTrace trace, SourceTensors source, PadKernel kernel, long cacheBytes) {
        this(trace, source, kernel, HfCheckpoint.tensorParts(trace.config(trace.finalStage())),
                HfCheckpoint.expertSlices(trace.config(trace.finalStage())),
                HfCheckpoint.interleavedHeads(trace.config(trace.finalStage())), cacheBytes);
    }

    /**
     * @param parts every output tensor's file name with the model tensors it stacks along rows (Phi-3's qkv_proj:
     *              q, k, v), in file order; each part is written after the one before, which is what stacking rows is
     */
    GrowthStream(PlanTrace trace, SourceTensors source, PadKernel kernel,
            SequencedMap<String, List<TensorKey>> parts, long cacheBytes) {
        this(trace, source, kernel, parts, Map.of(), Map.of(), cacheBytes);
    }

    /**
     * @param experts the expert index of each output tensor that is one expert's slice of its (single) part
     * @param interleaved the head count of each output tensor whose parts are interleaved head by head
     */
    private GrowthStream(PlanTrace trace, SourceTensors source, PadKernel kernel,
            SequencedMap<String, List<TensorKey>> parts, Map<String, Integer> experts, Map<String, Integer> interleaved,
            long cacheBytes) {
        this.trace = trace;
        this.source = source;
        this.staged = new StagedTensors(trace, source, kernel, cacheBytes);
        this.partsByName = parts;
        this.expertOf = Map.copyOf(experts);
        this.interleaved = Map.copyOf(interleaved);
    }

    TransformerConfig grownConfig() {
        return trace.config(trace.finalStage());
    }

    /**
     * Row-stacked output tensors whose parts would have different dtypes (a rescaled half-precision part is kept in
     * F32 while the others keep theirs): streaming writes parts as they are, so it refuses those; in memory the
     * joined tensor takes the dtype that holds all parts.
     */
    List<String> mixedDtypeProblems(String output) {
        return mixedDtypeProblems(trace, partsByName, output);
    }

    /** {@link #mixedDtypeProblems(String)} from the plan's trace and the output's parts alone, before any reading. */
    static List<String> mixedDtypeProblems(PlanTrace trace, SequencedMap<String, List<TensorKey>> partsByName,
            String output) {
        List<String> problems = new ArrayList<>();
        partsByName.forEach((name, keys) -> {
            List<DType> dtypes = keys.stream().map(k -> trace.dtype(new StagedKey(trace.finalStage(), k)))
                    .distinct().toList();
            if (dtypes.size() > 1) {
                problems.add(output + ": " + name + " stacks " + keys + " whose grown dtypes differ " + dtypes
                        + " (rescaled half-precision weights are kept in F32); streaming writes each part as it is:"
                        + " grow in memory (--in-memory), which stores the joined tensor in one dtype");
            }
        });
        return problems;
    }

    /** Name, dtype and shape of every output tensor, in the order the directory stores them. */
    List<SafetensorsEntry> outputEntries() {
        List<SafetensorsEntry> entries = new ArrayList<>();
        partsByName.forEach((name, keys) -> {
            long[] shape = keys.getFirst().role().shape(grownConfig());
            shape[0] = keys.stream().mapToLong(k -> k.role().shape(grownConfig())[0]).sum();
            if (expertOf.containsKey(name)) {
                shape = java.util.Arrays.copyOfRange(shape, 1, shape.length); // one expert's slice
            }
            entries.add(new SafetensorsEntry(name, trace.dtype(finalKey(keys.getFirst())), shape));
        });
        return entries;
    }

    /**
     * Writes the shards, config.json, the source's non-weight files ({@code extras}: the source checkpoint's) and
     * (when sharded) the index into {@code dir}, which it creates.
     */
    void writeTo(Path dir, ShardPlan plan, Map<String, ?> extras, StreamProgress progress) throws IOException {
        Files.createDirectory(dir);
        List<SafetensorsEntry> all = plan.shards().stream().flatMap(s -> s.entries().stream()).toList();
        allocateBuffer(all);
        int next = 0;
        for (ShardPlan.Shard shard : plan.shards()) {
            try (ShardWriter writer = ShardWriter.create(dir, shard)) {
                try {
                    for (SafetensorsEntry entry : shard.entries()) {
                        prefetchThrough(all, next + PREFETCH_AHEAD);
                        writeTensor(writer, entry);
                        next++;
                        progress.tensorWritten(entry.name(), entry.byteSize());
                    }
                    writes.drain();
                } finally {
                    writes.quiesce();
                }
            }
        }
        HfCheckpoint.writeCarried(dir, grownConfig(), all.stream().map(SafetensorsEntry::dtype).toList(), extras);
        if (plan.sharded()) {
            SafetensorsWriter.writeIndex(dir.resolve(SafetensorsWriter.INDEX), plan.weightMap(), plan.dataBytes());
        }
    }

    /**
     * Writes every output tensor ({@link #outputEntries()}, in that order) into {@code writer}, whose header already
     * lists them; the caller closes it.
     */
    void writeGguf(GgufStreamWriter writer, StreamProgress progress) throws IOException {
        List<SafetensorsEntry> all = outputEntries();
        allocateBuffer(all);
        TensorSink sink = new TensorSink() {
            @Override
            public void write(MemorySegment data) throws IOException {
                writer.write(data);
            }

            @Override
            public void transfer(FileChannel from, long offset, long count) throws IOException {
                writer.transfer(from, offset, count);
            }
        };
        try {
            for (int next = 0; next < all.size(); next++) {
                SafetensorsEntry entry = all.get(next);
                prefetchThrough(all, next + PREFETCH_AHEAD);
                writeTensor(sink, entry);
                progress.tensorWritten(entry.name(), entry.byteSize());
            }
            writes.drain();
        } finally {
            writes.quiesce();
        }
    }

    /** Statistics for the output tensors up to index {@code last} start on other threads (each tensor once). */
    private void prefetchThrough(List<SafetensorsEntry> all, int last) {
        for (; prefetched <= Math.min(last, all.size() - 1); prefetched++) {
            String name = all.get(prefetched).name();
            if (expertOf.getOrDefault(name, 0) == 0) { // an expert's slices share one stacked tensor
                partsByName.get(name).forEach(key -> staged.prefetch(finalKey(key)));
            }
        }
    }

    /** Writes the entry's parts one after the other (one part for every family but row-stacked ones). */
    private void writeTensor(TensorSink writer, SafetensorsEntry entry) throws IOException {
        Integer expert = expertOf.get(entry.name());
        if (expert != null) {
            writeExpertSlice(writer, partsByName.get(entry.name()).getFirst(), expert, entry.dtype());
            return;
        }
        Integer heads = interleaved.get(entry.name());
        if (heads != null) {
            writeInterleaved(writer, entry, heads);
            return;
        }
        for (TensorKey key : partsByName.get(entry.name())) {
            writePart(writer, key, entry.dtype());
        }
    }

    private void writePart(TensorSink writer, TensorKey key, DType dtype) throws IOException {
        StagedKey origin = trace.origin(finalKey(key));
        try {
            SourceTensors.Stored from = origin.stage() == 0 ? source.stored(origin.key()) : null;
            long[] shape = key.role().shape(grownConfig());
            long bytes = Tensor.byteSize(dtype, shape);
            AppendedRows rows;
            if (from != null) {
                writes.queue(() -> writer.transfer(from.channel(), from.offset(), from.bytes()));
                copied++;
            } else if ((rows = AppendedRows.of(trace, source, origin)) != null) {
                writeAppended(writer, rows, dtype);
            } else if (origin.stage() > 0 && trace.recipe(origin).isZero() && writer.holes()) {
                // a new layer's output projection: no bytes to build or copy, and no disk blocks until written
                writes.queue(() -> writer.hole(bytes));
            } else {
                Tensor out = new Tensor(dtype, shape, writes.buffer().asSlice(0, bytes));
                staged.build(origin, out);
                writes.queueFromBuffer(() -> writer.write(out.data()));
            }
        } finally {
            staged.release();
        }
    }

    /** The old rows copied file to file (queued first, so the writer starts on them at once), the new ones built. */
    private void writeAppended(TensorSink writer, AppendedRows rows, DType dtype) throws IOException {
        SourceTensors.Stored head = rows.head();
        writes.queue(() -> writer.transfer(head.channel(), head.offset(), head.bytes()));
        long[] shape = rows.tailShape();
        Tensor tail = new Tensor(dtype, shape, writes.buffer().asSlice(0, Tensor.byteSize(dtype, shape)));
        staged.buildAppended(rows, tail);
        writes.queueFromBuffer(() -> writer.write(tail.data()));
        appended++;
    }

    /**
     * Writes expert {@code expert}'s slice of the stacked tensor {@code key} (its bytes along the leading expert axis),
     * building the stacked tensor once, for the first of its slices, in a buffer of its own.
     */
    private void writeExpertSlice(TensorSink writer, TensorKey key, int expert, DType dtype) throws IOException {
        if (!key.equals(stackedKey)) {
            long[] shape = key.role().shape(grownConfig());
            stackedKey = null;
            try {
                stacked = new Tensor(dtype, shape, stackedBuffer.asSlice(0, Tensor.byteSize(dtype, shape)));
                staged.build(trace.origin(finalKey(key)), stacked);
            } finally {
                staged.release();
            }
            stackedKey = key;
        }
        long bytes = stacked.data().byteSize() / stacked.shape()[0];
        MemorySegment slice = writes.buffer().asSlice(0, bytes);
        slice.copyFrom(stacked.data().asSlice(expert * bytes, bytes));
        writes.queueFromBuffer(() -> writer.write(slice));
    }

    /**
     * Builds every part of a tensor fused head by head into scratch memory (at most the tensor's size), interleaves
     * them into the write buffer and writes the tensor whole: its parts are not consecutive bytes of the file.
     */
    private void writeInterleaved(TensorSink writer, SafetensorsEntry entry, int heads) throws IOException {
        Tensor fused = new Tensor(entry.dtype(), entry.shape(), writes.buffer().asSlice(0, entry.byteSize()));
        // shared, not confined: the pad kernel fills a large part on several threads
        try (Arena scratch = Arena.ofShared()) {
            List<Tensor> parts = new ArrayList<>();
            for (TensorKey key : partsByName.get(entry.name())) {
                long[] shape = key.role().shape(grownConfig());
                long bytes = Tensor.byteSize(entry.dtype(), shape);
                Tensor part = new Tensor(entry.dtype(), shape, scratch.allocate(Math.max(bytes, 1), 64)
                        .asSlice(0, bytes));
                try {
                    staged.build(trace.origin(finalKey(key)), part);
                } finally {
                    staged.release();
                }
                parts.add(part);
            }
            HfCheckpoint.interleaveHeads(parts, heads, fused);
        }
        writes.queueFromBuffer(() -> writer.write(fused.data()));
    }

    /**
     * Two buffers for the built tensors (one being written while the next is built): the largest one's size,
     * allocated (and zeroed) once per run.
     */
    private void allocateBuffer(List<SafetensorsEntry> entries) {
        long largest = 0;
        long largestStacked = 0;
        for (SafetensorsEntry e : entries) {
            if (expertOf.containsKey(e.name())) {
                largest = Math.max(largest, e.byteSize());
                TensorKey key = partsByName.get(e.name()).getFirst();
                largestStacked = Math.max(largestStacked, Tensor.byteSize(e.dtype(), key.role().shape(grownConfig())));
                continue;
            }
            if (interleaved.containsKey(e.name())) {
                largest = Math.max(largest, e.byteSize());
                continue;
            }
            for (TensorKey key : partsByName.get(e.name())) {
                StagedKey origin = trace.origin(finalKey(key));
                if (origin.stage() > 0 || source.stored(origin.key()) == null) {
                    largest = Math.max(largest, Tensor.byteSize(e.dtype(), key.role().shape(grownConfig())));
                }
            }
        }
        writes = new WriteBehind(bufferArena, largest);
        stackedBuffer = bufferArena.allocate(Math.max(largestStacked, 1), 64);
    }

    private StagedKey finalKey(TensorKey key) {
        return new StagedKey(trace.finalStage(), key);
    }

    int copiedTensors() {
        return copied;
    }

    int appendedTensors() {
        return appended;
    }

    long peakCacheBytes() {
        return staged.peakCacheBytes();
    }

    @Override
    public void close() {
        if (writes != null) {
            writes.close();
        }
        staged.close();
        bufferArena.close();
    }
}
