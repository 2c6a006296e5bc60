package io.grow4j.model.format;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Writes safetensors files: tensors in the given order, each in its own dtype, contiguous after a JSON header padded
 * with spaces to a multiple of 8 bytes (so the data starts aligned, as the reference writer does). The header depends
 * only on names, dtypes and shapes, so a streaming writer can put it down before any tensor exists.
 */
public final class SafetensorsWriter {
    /** The one weights file of an unsharded directory. */
    public static final String SINGLE = SafetensorsCheckpoint.SINGLE;
    /** The shard index of a sharded directory. */
    public static final String INDEX = SafetensorsCheckpoint.INDEX;

    private SafetensorsWriter() {
    }

    static void write(Path file, SequencedMap<String, Tensor> tensors) throws IOException {
        List<SafetensorsEntry> entries = new ArrayList<>();
        tensors.forEach((name, t) -> entries.add(new SafetensorsEntry(name, t.dtype(), t.shape())));
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            SegmentIo.writeFully(channel, ByteBuffer.wrap(prefix(entries)));
            for (Tensor t : tensors.values()) {
                SegmentIo.writeFully(channel, t.data());
            }
        }
    }

    /**
     * Everything before the first tensor's data: the 8-byte little-endian header length, then the padded JSON header
     * with each entry's data_offsets in list order.
     */
    public static byte[] prefix(List<SafetensorsEntry> entries) throws IOException {
        byte[] header = header(entries);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        return out.array();
    }

    private static byte[] header(List<SafetensorsEntry> entries) throws IOException {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        root.putObject(SafetensorsFile.METADATA).put("format", "pt");
        long offset = 0;
        for (SafetensorsEntry e : entries) {
            ObjectNode node = root.putObject(e.name());
            node.put("dtype", e.dtype().safetensorsName());
            ArrayNode shape = node.putArray("shape");
            Arrays.stream(e.shape()).forEach(shape::add);
            node.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json = SafetensorsFile.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /** Hugging Face's shard file name: model-00001-of-00004.safetensors (1-based). */
    public static String shardName(int index, int count) {
        return String.format("model-%05d-of-%05d.safetensors", index + 1, count);
    }

    /**
     * Writes model.safetensors.index.json as transformers does: metadata.total_size (bytes of tensor data) and a
     * weight_map from tensor name to shard file name.
     */
    public static void writeIndex(Path file, SequencedMap<String, String> weightMap, long totalSize)
            throws IOException {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            map.put(e.getKey(), e.getValue());
        }
        SafetensorsFile.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}
