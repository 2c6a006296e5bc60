package io.grow4j.model.format;

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
import java.util.Arrays;
import java.util.SequencedMap;

/**
 * Writes one safetensors file: tensors in the given order, each in its own dtype, contiguous after a JSON header
 * padded with spaces to a multiple of 8 bytes (so the data starts aligned, as the reference writer does).
 */
final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    static void write(Path file, SequencedMap<String, Tensor> tensors) throws IOException {
        byte[] header = header(tensors);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            SegmentIo.writeFully(channel, length);
            SegmentIo.writeFully(channel, ByteBuffer.wrap(header));
            for (Tensor t : tensors.values()) {
                SegmentIo.writeFully(channel, t.data());
            }
        }
    }

    private static byte[] header(SequencedMap<String, Tensor> tensors) throws IOException {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode();
        root.putObject(SafetensorsFile.METADATA).put("format", "pt");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = node.putArray("shape");
            Arrays.stream(t.shape()).forEach(shape::add);
            node.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json = SafetensorsFile.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }
}
