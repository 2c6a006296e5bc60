package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A GGUF file opened for tensor-by-tensor access: its config, metadata and where each tensor lies, checked exactly as
 * {@link GgufFormat#read} checks them, but without reading any tensor data. F32, F16, BF16 and F64 tensors are mapped
 * in place; quantized ones are dequantized to float32 one tensor at a time, exactly as reading the whole file does.
 * Streamed growth reads through this and writes its output with {@link #metadataFor} and {@link GgufStreamWriter}.
 */
public final class GgufCheckpoint {
    private final Path file;
    private final GgufFamily family;
    private final TransformerConfig config;
    private final SequencedMap<String, GgufValue> metadata;
    private final SequencedMap<TensorKey, GgufTensorInfo> tensors;
    private final long dataStart;
    private final List<String> notes;

    private GgufCheckpoint(Path file, GgufFamily family, TransformerConfig config, GgufFile parsed,
            SequencedMap<TensorKey, GgufTensorInfo> tensors, List<String> notes) {
        this.file = file;
        this.family = family;
        this.config = config;
        this.metadata = parsed.metadata();
        this.tensors = Collections.unmodifiableSequencedMap(tensors);
        this.dataStart = parsed.dataStart();
        this.notes = List.copyOf(notes);
    }

    /**
     * Parses the header, metadata and tensor table; the file is mapped only while they are read.
     *
     * @throws CheckpointException the file is no readable GGUF model (the message names what disagrees)
     */
    public static GgufCheckpoint open(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = SegmentIo.mapReadOnly(path, arena);
            GgufFile parsed = GgufParser.parse(mapped, path);
            GgufFamily family = GgufFormat.family(path, parsed);
            TransformerConfig config = GgufConfigCodec.read(path, mapped, parsed, family);
            SequencedMap<String, List<TensorKey>> names = family.tensorParts(config);
            GgufTensors.check(path, parsed, family, config, names);
            SequencedMap<TensorKey, GgufTensorInfo> tensors = GgufTensors.parts(parsed, names, config);
            SequencedMap<String, List<String>> dequantized = new LinkedHashMap<>();
            names.forEach((name, keys) -> {
                GgufTensorInfo info = parsed.tensors().get(name);
                if (info.type().dtype() == null) {
                    dequantized.computeIfAbsent(info.type().name(), t -> new ArrayList<>()).add(name);
                }
            });
            List<String> notes = new GgufMetadata(parsed.metadata(), dequantized).notes();
            return new GgufCheckpoint(path, family, config, parsed, tensors, notes);
        }
    }

    public Path file() {
        return file;
    }

    public TransformerConfig config() {
        return config;
    }

    /** What reading changed, as {@link GgufFormat#readNotes} says it (one line per dequantized type). */
    public List<String> notes() {
        return notes;
    }

    /** The dtype every tensor is held in once read: its own for float types, F32 for quantized ones. */
    public Map<TensorKey, DType> dtypes() {
        Map<TensorKey, DType> out = new LinkedHashMap<>();
        tensors.forEach((k, info) -> out.put(k, heldDtype(info)));
        return out;
    }

    private static DType heldDtype(GgufTensorInfo info) {
        return info.type().dtype() == null ? DType.F32 : info.type().dtype();
    }

    private GgufTensorInfo info(TensorKey key) {
        GgufTensorInfo info = tensors.get(key);
        if (info == null) {
            throw new IllegalArgumentException(file + " has no tensor " + key);
        }
        return info;
    }

    /**
     * The absolute file offset of {@code key}'s bytes when the file stores them exactly as they are held (a float
     * type), so they can be copied file to file; -1 for a quantized tensor, which must be decoded.
     */
    public long storedOffset(TensorKey key) {
        GgufTensorInfo info = info(key);
        return info.type().dtype() == null || offsetGain(key) ? -1 : dataStart + info.offset();
    }

    /** Bytes of {@code key} as held in memory (float32 for a quantized tensor). */
    public long heldBytes(TensorKey key) {
        GgufTensorInfo info = info(key);
        return Math.multiplyExact(info.elements(), (long) heldDtype(info).bytes());
    }

    /**
     * The tensor as held after reading, valid until {@code arena} closes: a read-only view of the file for float
     * types, or a float32 copy in {@code arena} decoded from a view of just its blocks for quantized ones.
     *
     * @param channel {@link #file()}, opened for reading
     */
    public Tensor map(TensorKey key, FileChannel channel, Arena arena) throws IOException {
        GgufTensorInfo info = info(key);
        long start = dataStart + info.offset();
        long bytes = info.byteSize();
        if (start + bytes > channel.size()) {
            throw CheckpointException.truncated(file, channel.size(), "tensor " + info.name(), start, start + bytes);
        }
        MemorySegment raw = bytes == 0 ? arena.allocate(0)
                : channel.map(FileChannel.MapMode.READ_ONLY, start, bytes, arena);
        Tensor held;
        if (info.type().dtype() != null) {
            held = new Tensor(info.type().dtype(), info.shape(), raw);
        } else {
            held = new Tensor(DType.F32, info.shape(), arena.allocate(Math.max(heldBytes(key), 1), 64)
                    .asSlice(0, heldBytes(key)));
            GgufTensors.dequantizeInto(raw, 0, info, held);
        }
        // The file holds 1 + w; the model holds w, and GgufStreamWriter adds the 1 back as GgufFormat.write does.
        return offsetGain(key) ? GgufUnitOffsetGains.weights(held) : held;
    }

    /** A Gemma norm gain, stored as 1 + w: never copied as it is, and converted when mapped. */
    private boolean offsetGain(TensorKey key) {
        return family.unitOffsetGains() && key.role().isNorm();
    }

    /**
     * The GGUF name of every tensor of a model of {@code config}, in the order a GGUF file stores them.
     *
     * @throws IllegalStateException the family stacks several model tensors in one ({@link #tensorParts})
     */
    public static SequencedMap<String, TensorKey> tensorNames(TransformerConfig config) {
        return family(config).tensorNames(config);
    }

    /**
     * The GGUF name of every tensor of a model of {@code config}, in file order, with the model tensors it stacks
     * along rows (Phi-3's attn_qkv: q, k, v; one for most tensors), which a streamed write writes one after another.
     */
    public static SequencedMap<String, List<TensorKey>> tensorParts(TransformerConfig config) {
        return family(config).tensorParts(config);
    }

    private static GgufFamily family(TransformerConfig config) {
        GgufFamily family = GgufFamily.forArchitecture(config.architecture());
        if (family == null) {
            throw new IllegalArgumentException("GGUF has no family for " + config.architecture().id());
        }
        return family;
    }

    /**
     * Why a GGUF file cannot hold a model of {@code config} written tensor by tensor; empty when it can. Beyond
     * {@link GgufFormat#writeProblems}, Q and K rows must already be in the family's RoPE layout (a model read from GGUF
     * is), since streaming writes tensors as they are.
     */
    public static List<String> writeProblems(TransformerConfig config) {
        List<String> problems = new ArrayList<>(new GgufFormat().writeProblems(config));
        GgufFamily family = GgufFamily.forArchitecture(config.architecture());
        if (problems.isEmpty() && config.positions() instanceof Positions.Rope rope
                && rope.layout() != family.ropeLayout()) {
            problems.add("GGUF " + family.name() + " stores RoPE rows " + family.ropeLayout() + ", this model has them "
                    + rope.layout() + "; streaming writes tensors as they are (grow in memory instead)");
        }
        return problems;
    }

    /**
     * The metadata {@link GgufFormat#write} would write for a model grown from this file: every key of the source,
     * with those the config determines set from {@code grown}, file type from the tensors' dtypes (that of the
     * matrices, as {@link GgufFormat#write} decides it) and the parameter count from their sizes.
     *
     * @param tensors every output tensor's name, dtype and shape
     */
    public SequencedMap<String, GgufValue> metadataFor(TransformerConfig grown, Collection<SafetensorsEntry> tensors) {
        SequencedMap<String, GgufValue> out = new LinkedHashMap<>(metadata);
        long parameters = tensors.stream().mapToLong(t -> Tensor.elementCount(t.shape())).sum();
        // Upcycling turns a dense family's row into the one with experts; the GGUF name stays.
        GgufFamily target = Objects.requireNonNullElse(GgufFamily.forArchitecture(grown.architecture()), family);
        GgufConfigCodec.write(grown, target, GgufConfigCodec.fileTypeDtype(tensors), parameters, out);
        return out;
    }
}
