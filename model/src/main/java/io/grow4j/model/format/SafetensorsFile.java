package io.grow4j.model.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range (relative to the end of the header), then the data. The whole header is validated on
 * open, so every entry handed out lies inside the file and has exactly the bytes its shape needs.
 */
final class SafetensorsFile {
    static final String METADATA = "__metadata__";
    /** The reference implementation refuses larger headers; a bigger value means a corrupt length field. */
    private static final long MAX_HEADER = 100L << 20;
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A tensor's place in the file; begin and end are absolute file offsets. */
    record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
        /**
         * The dtype a weight stored here is held in.
         *
         * @throws IllegalStateException the stored type cannot hold a weight (callers check first)
         */
        DType modelDType() {
            return dtype.modelDType().orElseThrow(() -> new IllegalStateException(name + " is " + dtype
                    + ", no floating-point type grow4j computes in"));
        }
    }

    private final Path path;
    private final MemorySegment file;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, MemorySegment file, Map<String, Entry> entries) {
        this.path = path;
        this.file = file;
        this.entries = entries;
    }

    /** Maps and validates {@code path}; the mapping lives as long as {@code arena}. */
    static SafetensorsFile open(Path path, Arena arena) throws IOException {
        MemorySegment file = SegmentIo.mapReadOnly(path, arena);
        long size = file.byteSize();
        if (size < 8) {
            throw CheckpointException.truncated(path, size, "the header length", 0, 8);
        }
        long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLength < 2 || headerLength > MAX_HEADER) {
            throw new CheckpointException(path, "corrupt header: length " + headerLength
                    + " at offset 0 is not between 2 and " + MAX_HEADER + " bytes");
        }
        if (8 + headerLength > size) {
            throw CheckpointException.truncated(path, size, "the JSON header", 8, 8 + headerLength);
        }
        JsonNode header = parseHeader(path, file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE));
        return new SafetensorsFile(path, file, entries(path, header, 8 + headerLength, size));
    }

    private static JsonNode parseHeader(Path path, byte[] json) throws CheckpointException {
        JsonNode header;
        try {
            header = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset());
            throw new CheckpointException(path, "corrupt JSON header at offset " + (8 + at) + " (header spans bytes 8.."
                    + (8 + json.length) + "): " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(path, "corrupt JSON header: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(path, "corrupt header: expected a JSON object at offset 8");
        }
        return header;
    }

    private static Map<String, Entry> entries(Path path, JsonNode header, long dataStart, long fileSize)
            throws CheckpointException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (field.getKey().equals(METADATA)) {
                continue;
            }
            Entry entry = entry(field.getKey(), field.getValue(), dataStart, fileSize, problems);
            if (entry != null) {
                entries.put(entry.name(), entry);
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(path, "corrupt header:\n  " + String.join("\n  ", problems));
        }
        return Collections.unmodifiableMap(entries);
    }

    /** Null (with the reasons added to problems) when the entry is malformed. */
    private static Entry entry(String name, JsonNode node, long dataStart, long fileSize, List<String> problems) {
        JsonNode offsets = node.path("data_offsets");
        long[] shape = longs(node.path("shape"));
        long[] range = longs(offsets);
        SafetensorsDtype dtype = node.path("dtype").isTextual() ? SafetensorsDtype.byName(node.path("dtype").asText())
                : null;
        int before = problems.size();
        if (dtype == null) {
            problems.add(name + ": dtype " + node.path("dtype") + " is no safetensors dtype (one of "
                    + SafetensorsDtype.names() + ")");
        }
        if (shape == null) {
            problems.add(name + ": shape " + node.path("shape") + " is not a list of non-negative integers");
        }
        if (range == null || range.length != 2 || range[0] > range[1]) {
            problems.add(name + ": data_offsets " + offsets + " is not [begin, end] with begin <= end");
        } else if (range[1] > fileSize - dataStart) {
            problems.add(name + ": data_offsets " + offsets + " end at file offset " + (dataStart + range[1])
                    + ", past the end of the file at offset " + fileSize);
        }
        if (problems.size() > before) {
            return null;
        }
        long needed = byteCount(shape, dtype);
        if (range[1] - range[0] != needed) {
            problems.add(name + ": data_offsets " + offsets + " hold " + (range[1] - range[0]) + " bytes, but "
                    + dtype + Tensor.shapeString(shape) + " needs " + (needed < 0 ? "more than 2^63 - 1" : needed));
            return null;
        }
        return new Entry(name, dtype, shape, dataStart + range[0], dataStart + range[1]);
    }

    /** -1 when the shape is too large to address or fills no whole bytes, which no range can match. */
    private static long byteCount(long[] shape, SafetensorsDtype dtype) {
        try {
            return dtype.byteCount(Tensor.elementCount(shape));
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** The node as non-negative longs, or null when it is anything else. */
    private static long[] longs(JsonNode node) {
        if (!node.isArray()) {
            return null;
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = node.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                return null;
            }
            out[i] = n.asLong();
        }
        return out;
    }

    Path path() {
        return path;
    }

    /** Entries by name, in header order. */
    Map<String, Entry> entries() {
        return entries;
    }

    /** The entry's data in place in the mapping, in the dtype it is stored in (a floating-point one). */
    Tensor mapped(Entry entry) {
        return SegmentIo.mappedTensor(file, entry.begin(), entry.modelDType(), entry.shape());
    }

    /** The entry's bytes as stored, valid while the file is mapped. */
    MemorySegment bytes(Entry entry) {
        return file.asSlice(entry.begin(), entry.end() - entry.begin());
    }
}
