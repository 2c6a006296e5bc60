package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A Hugging Face model directory opened for tensor-by-tensor access: its config and where each tensor lies, checked
 * exactly as {@link HfDirectoryFormat#read} checks them (config fields, shard headers, index, names and shapes), but
 * without reading any tensor data. Streamed growth reads through this, and writes its output with the static helpers,
 * which name tensors and write config.json as {@link HfDirectoryFormat} does.
 */
public final class HfCheckpoint {
    private final Path directory;
    private final TransformerConfig config;
    private final SequencedMap<TensorKey, TensorLocation> tensors;
    private final Map<String, Object> extras;
    private final List<String> notes;

    private HfCheckpoint(Path directory, TransformerConfig config, SequencedMap<TensorKey, TensorLocation> tensors,
            Map<String, Object> extras, List<String> notes) {
        this.directory = directory;
        this.config = config;
        this.tensors = Collections.unmodifiableSequencedMap(tensors);
        this.extras = extras;
        this.notes = List.copyOf(notes);
    }

    /** What reading leaves out, as {@link HfDirectoryFormat#readNotes} says it (agreeing inv_freq buffers). */
    public List<String> notes() {
        return notes;
    }

    /**
     * Whether the directory's family stores every tensor as grow4j holds it, so {@link #open} can map it tensor by
     * tensor (GPT-2's fused, transposed tensors cannot be). Reads config.json only.
     *
     * @throws CheckpointException config.json is missing or unreadable
     */
    public static boolean streamable(Path dir) throws IOException {
        return HfDirectoryFormat.readDirectoryConfig(dir).family().streamsByParts();
    }

    /**
     * Reads config.json and every shard header. Shards are mapped only while their headers are read.
     *
     * @throws CheckpointException the directory is no readable checkpoint (the message names file, tensor, shape)
     */
    public static HfCheckpoint open(Path dir) throws IOException {
        HfDirectoryFormat.DirectoryConfig found = HfDirectoryFormat.readDirectoryConfig(dir);
        if (!found.family().streamsByParts()) {
            throw new CheckpointException(dir, found.family().modelType() + " fuses or transposes tensors ("
                    + String.join(", ", found.family().fusedOrTransposed()) + "), which tensor-by-tensor access"
                    + " cannot map byte for byte: read the whole directory instead (--in-memory)");
        }
        SequencedMap<TensorKey, TensorLocation> locations = new LinkedHashMap<>();
        TransformerConfig config;
        List<String> notes = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir, arena);
            config = found.family().withOptionalTensors(found.config(), weights.tensors().keySet());
            HfDirectoryFormat.locateTensors(dir, found.family(), config, weights).forEach((stored, name) ->
                    locateParts(stored, weights.tensors().get(name), locations));
            int buffers = HfRotaryBuffers.present(weights.tensors().keySet()).size();
            if (buffers > 0) {
                notes.add(HfRotaryBuffers.note(buffers));
            }
        }
        return new HfCheckpoint(dir, config, locations, found.carried().asExtras(), notes);
    }

    /**
     * Each model tensor of a stored tensor at its byte range: the whole tensor, for row-stacked parts (Phi-3's
     * qkv_proj = [q; k; v]) the rows of each part in turn, and for parts fused head by head (GPT-NeoX's
     * query_key_value) each part's rows in every head's block, one block per head.
     */
    private static void locateParts(StoredTensor stored, SafetensorsCheckpoint.Located l,
            Map<TensorKey, TensorLocation> locations) {
        long[] shape = l.entry().shape();
        long rowBytes = Math.multiplyExact(Tensor.elementCount(shape) / Math.max(1, shape[0]),
                l.entry().modelDType().bytes());
        int heads = stored.heads();
        long stride = shape[0] / heads * rowBytes;
        long row = 0;
        for (int i = 0; i < stored.parts().size(); i++) {
            TensorKey key = stored.parts().get(i);
            long rows = stored.partRows().get(i);
            long[] partShape = shape.clone();
            partShape[0] = rows;
            String name = stored.parts().size() == 1 ? l.entry().name() : l.entry().name() + (heads == 1
                    ? " rows " + row + ".." + (row + rows - 1)
                    : " rows " + row + ".." + (row + rows / heads - 1) + " of each of " + heads + " heads");
            SafetensorsEntry entry = new SafetensorsEntry(name, l.entry().modelDType(), partShape);
            locations.put(key, new TensorLocation(key, entry, l.file().path(), l.entry().begin() + row * rowBytes,
                    heads, stride));
            row += rows / heads;
        }
    }

    public Path directory() {
        return directory;
    }

    public TransformerConfig config() {
        return config;
    }

    /** Every tensor, in the family's file order (globals, then layer by layer). */
    public SequencedMap<TensorKey, TensorLocation> tensors() {
        return tensors;
    }

    /**
     * What a directory written from this one carries (its config.json keys and non-weight files), as
     * {@link io.grow4j.model.Model#extras()} of a model read from it would hold it; pass it to {@link #writeCarried}.
     */
    public Map<String, Object> extras() {
        return extras;
    }

    /** Bytes of the non-weight files a directory written from this one copies. */
    public long carriedBytes() throws IOException {
        return HfCarried.of(extras).orElseThrow().files().bytes();
    }

    /** Bytes of tensor data in all shards (headers excluded). */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(TensorLocation::byteSize).sum();
    }

    /**
     * The file name of every stored tensor of a model of {@code config} with the model tensors it stacks along rows
     * (one for most families), in the order a directory writes them.
     */
    public static SequencedMap<String, List<TensorKey>> tensorParts(TransformerConfig config) {
        return HfFamily.forArchitecture(config.architecture()).tensorParts(config);
    }

    /**
     * For each per-expert stored tensor of a model of {@code config} (Mixtral's and Qwen2-MoE's experts.{e}.*), the
     * expert it holds: its bytes are slice e, along the leading expert axis, of the stacked model tensor that
     * {@link #tensorParts} names for it. Empty for dense families.
     */
    public static SequencedMap<String, Integer> expertSlices(TransformerConfig config) {
        return HfFamily.forArchitecture(config.architecture()).expertSlices(config);
    }

    /**
     * The file names of the stored tensors of a model of {@code config} whose parts are interleaved head by head
     * (GPT-NeoX's query_key_value), with the head count; a streamed write gathers such a tensor whole, then writes it.
     */
    public static SequencedMap<String, Integer> interleavedHeads(TransformerConfig config) {
        return HfFamily.forArchitecture(config.architecture()).interleavedHeads(config);
    }

    /**
     * Writes {@code parts} (one dtype, each with a multiple of {@code heads} rows) into {@code fused} as a directory
     * stores them fused head by head: for each head, that head's rows of every part in turn.
     */
    public static void interleaveHeads(List<Tensor> parts, int heads, Tensor fused) {
        HfStorage.interleave(heads, parts, fused, true);
    }

    /** The file name of every tensor of a model of {@code config}, in the order a directory writes them. */
    public static SequencedMap<String, TensorKey> tensorNames(TransformerConfig config) {
        return HfFamily.forArchitecture(config.architecture()).tensorNames(config);
    }

    /**
     * Why a directory written from this checkpoint cannot hold a model of {@code grown} exactly: what the family's
     * config.json cannot describe, and what this directory's config.json cannot follow (a per-layer list when layers
     * are added). Empty when it can.
     */
    public List<String> writeProblemsFor(TransformerConfig grown) {
        return HfDirectoryFormat.writeProblems(grown, extras);
    }

    /**
     * True when the family stores every tensor as grow4j holds it, stacked along rows with others, or one expert's
     * slice of a stacked role, or interleaved head by head (no [in, out] tensors), and Q and K rows in the config's own
     * RoPE layout, so tensors can be written byte for byte, part after part. A model read from a directory of such a
     * family always is; one converted from llama2.c may need {@link RopePermutation}.
     */
    public static boolean storesAsIs(TransformerConfig config) {
        HfFamily family = HfFamily.forArchitecture(config.architecture());
        if (!family.writesByRows()) {
            return false;
        }
        if (!(config.positions() instanceof Positions.Rope rope)) {
            return true;
        }
        return family.codec().storedRopeLayout()
                .map(layout -> layout == rope.layout()).orElse(true);
    }

    /**
     * Writes everything of a directory but the weights into {@code dir}, exactly as {@link HfDirectoryFormat#write}
     * does: config.json for {@code config} carrying the source's keys, and copies of the source's non-weight files.
     * torch_dtype is the tensors' common dtype, or for mixed dtypes one that holds them all.
     *
     * @param extras {@link #extras()} of the source checkpoint (or a model's extras); empty for a fresh config
     */
    public static void writeCarried(Path dir, TransformerConfig config, Collection<DType> tensorDtypes,
            Map<String, ?> extras) throws IOException {
        HfDirectoryFormat.writeCarried(dir, config, tensorDtypes, extras);
    }
}
