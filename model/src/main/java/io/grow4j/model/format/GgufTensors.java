package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;

/**
 * Loads the tensors of a parsed GGUF file into fresh memory: float types byte for byte, quantized types expanded to
 * float32 block by block. First checks the whole table against the config, so one error names every missing,
 * unexpected, misshapen or unreadable tensor.
 */
final class GgufTensors {
    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Blocks decoded per copy out of the mapping: large enough to amortise the copy, small enough for the cache. */
    private static final int BLOCKS_PER_BATCH = 256;

    private final Map<TensorKey, Tensor> tensors = new TreeMap<>();
    /** ggml type name → GGUF names of the tensors read from it as float32. */
    private final SequencedMap<String, List<String>> dequantized = new LinkedHashMap<>();

    private GgufTensors() {
    }

    static GgufTensors load(Path path, MemorySegment mapped, GgufFile file, GgufFamily family,
            TransformerConfig config) throws CheckpointException {
        SequencedMap<String, List<TensorKey>> names = family.tensorParts(config);
        check(path, file, family, config, names);
        GgufTensors loaded = new GgufTensors();
        parts(file, names, config).forEach((key, info) -> loaded.load(mapped, file, info, key));
        names.keySet().stream().map(file.tensors()::get).filter(info -> info.type().dtype() == null).forEach(info ->
                loaded.dequantized.computeIfAbsent(info.type().name(), t -> new ArrayList<>()).add(info.name()));
        return loaded;
    }

    /**
     * Every model tensor as a tensor-table entry of its own: a whole tensor as it is, each part of a row-stacked one
     * as its rows (named "attn_qkv.weight rows 0..31", offset to its first row), so parts are read, mapped and copied
     * exactly like whole tensors. Call after {@link #check}, which made sure every part is whole rows of whole blocks.
     */
    static SequencedMap<TensorKey, GgufTensorInfo> parts(GgufFile file, SequencedMap<String, List<TensorKey>> names,
            TransformerConfig config) {
        SequencedMap<TensorKey, GgufTensorInfo> parts = new LinkedHashMap<>();
        names.forEach((name, keys) -> {
            GgufTensorInfo info = file.tensors().get(name);
            if (keys.size() == 1) {
                parts.put(keys.getFirst(), info);
                return;
            }
            long rowBytes = info.byteSize() / info.shape()[0];
            long row = 0;
            for (TensorKey key : keys) {
                long[] shape = key.role().shape(config);
                parts.put(key, new GgufTensorInfo(name + " rows " + row + ".." + (row + shape[0] - 1),
                        GgufTensorInfo.dimsOf(shape), info.type(), info.offset() + row * rowBytes));
                row += shape[0];
            }
        });
        return parts;
    }

    /** Bytes the tensors of {@code file} take once loaded (quantized ones as float32); -1 past 2^63 - 1. */
    static long loadedBytes(GgufFile file) {
        long total = 0;
        try {
            for (GgufTensorInfo t : file.tensors().values()) {
                DType d = t.type().dtype();
                // Float tensors are views of the mapping; only quantized ones are decoded into new memory.
                total = Math.addExact(total, d != null ? 0 : Math.multiplyExact(t.elements(), (long) Float.BYTES));
            }
            return total;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    Map<TensorKey, Tensor> tensors() {
        return tensors;
    }

    SequencedMap<String, List<String>> dequantized() {
        return dequantized;
    }

    static void check(Path path, GgufFile file, GgufFamily family, TransformerConfig config,
            SequencedMap<String, List<TensorKey>> names) throws CheckpointException {
        List<String> problems = new ArrayList<>();
        names.forEach((name, keys) -> {
            long[] expected = stacked(keys, config);
            String held = keys.size() == 1 ? keys.getFirst().toString() : "stacking " + keys;
            GgufTensorInfo found = file.tensors().get(name);
            if (found == null) {
                problems.add("missing " + name + " (" + held + "), expected dims "
                        + Arrays.toString(GgufTensorInfo.dimsOf(expected)));
            } else if (!Arrays.equals(found.shape(), expected)) {
                problems.add(name + ": expected dims " + Arrays.toString(GgufTensorInfo.dimsOf(expected))
                        + (keys.size() == 1 ? "" : " (" + held + ")") + ", got " + Arrays.toString(found.dims()) + " (ggml order, innermost first)");
            } else if (!found.type().readable()) {
                problems.add(name + " at offset " + file.start(found) + ": ggml type " + found.type() + " ("
                        + found.type().id() + ") cannot be read (readable: " + GgmlType.readableTypes() + ")");
            } else if (keys.size() > 1 && found.dims()[0] % found.type().blockSize() != 0) {
                problems.add(name + ": rows of " + found.dims()[0] + " values are not whole " + found.type()
                        + " blocks of " + found.type().blockSize() + ", so its parts " + keys + " cannot be split");
            }
        });
        file.tensors().forEach((name, info) -> {
            if (!names.containsKey(name) && !name.equals(GgufRopeFreqs.NAME)
                    && !(family.dialect().longRope() && GgufRopeFactors.isName(name))) {
                problems.add("unexpected tensor " + name + " " + info.type() + " dims " + Arrays.toString(info.dims()));
            }
        });
        if (!problems.isEmpty()) {
            throw new CheckpointException(path, "tensors disagree with the " + family.name() + " metadata:\n  "
                    + String.join("\n  ", problems));
        }
    }

    /** The shape of {@code keys} stacked along their first axis (the one key's shape for a whole tensor). */
    static long[] stacked(List<TensorKey> keys, TransformerConfig config) {
        long[] shape = keys.getFirst().role().shape(config);
        shape[0] = keys.stream().mapToLong(k -> k.role().shape(config)[0]).sum();
        return shape;
    }

    private void load(MemorySegment mapped, GgufFile file, GgufTensorInfo info, TensorKey key) {
        long start = file.start(info);
        DType dtype = info.type().dtype();
        if (dtype != null) {
            tensors.put(key, SegmentIo.mappedTensor(mapped, start, dtype, info.shape()));
        } else {
            tensors.put(key, dequantize(mapped, start, info));
        }
    }

    /** Decodes whole blocks in batches; {@link GgufParser} checked that the tensor is whole blocks inside the file. */
    static Tensor dequantize(MemorySegment mapped, long start, GgufTensorInfo info) {
        Tensor out = Tensor.allocate(DType.F32, info.shape());
        dequantizeInto(mapped, start, info, out);
        return out;
    }

    /** Decodes the tensor at {@code start} of {@code mapped} into {@code out}, an F32 tensor of its shape. */
    static void dequantizeInto(MemorySegment mapped, long start, GgufTensorInfo info, Tensor out) {
        GgmlType type = info.type();
        long blocks = info.elements() / type.blockSize();
        byte[] raw = new byte[BLOCKS_PER_BATCH * type.blockBytes()];
        byte[] block = new byte[type.blockBytes()];
        float[] values = new float[BLOCKS_PER_BATCH * type.blockSize()];
        for (long first = 0; first < blocks; first += BLOCKS_PER_BATCH) {
            int n = (int) Math.min(BLOCKS_PER_BATCH, blocks - first);
            MemorySegment.copy(mapped, ValueLayout.JAVA_BYTE, start + first * type.blockBytes(), raw, 0,
                    n * type.blockBytes());
            for (int b = 0; b < n; b++) {
                System.arraycopy(raw, b * type.blockBytes(), block, 0, type.blockBytes());
                type.decoder().decode(block, values, b * type.blockSize());
            }
            MemorySegment.copy(values, 0, out.data(), LE_FLOAT, first * type.blockSize() * Float.BYTES,
                    n * type.blockSize());
        }
    }
}
