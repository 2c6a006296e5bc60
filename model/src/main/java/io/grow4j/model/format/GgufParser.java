package io.grow4j.model.format;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * Parses the header, metadata and tensor table of a GGUF file (versions 2 and 3, little-endian; they share one
 * layout) and checks that every tensor's data lies inside the file:
 * <pre>
 *   "GGUF" | version u32 | tensor count u64 | metadata count u64
 *   metadata: key string | value type u32 | value
 *   tensors:  name string | n_dims u32 | dims u64[n_dims] (innermost first) | ggml type u32 | offset u64
 *   padding to general.alignment | data section
 * </pre>
 */
final class GgufParser {
    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    /** ggml tensors have at most 4 dims (GGML_MAX_DIMS). */
    private static final int MAX_DIMS = 4;
    /** Nested arrays deeper than this are corruption, not data; the limit keeps recursion bounded. */
    private static final int MAX_NESTING = 8;

    private final GgufCursor in;

    private GgufParser(MemorySegment file, Path path) {
        this.in = new GgufCursor(file, path);
    }

    static GgufFile parse(MemorySegment file, Path path) throws CheckpointException {
        return new GgufParser(file, path).parse();
    }

    private GgufFile parse() throws CheckpointException {
        checkMagic();
        long version = checkVersion();
        long tensorCount = in.itemCount("tensor count");
        long kvCount = in.itemCount("metadata count");
        SequencedMap<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            readEntry(i, metadata);
        }
        SequencedMap<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo t = readTensorInfo(i);
            if (tensors.putIfAbsent(t.name(), t) != null) {
                throw corrupt("tensor '" + t.name() + "' appears twice in the tensor table");
            }
        }
        long alignment = alignment(metadata);
        GgufFile parsed = new GgufFile(version, metadata, tensors, alignment, GgufFile.align(in.position(), alignment));
        for (GgufTensorInfo t : tensors.values()) {
            checkData(parsed, t);
        }
        return parsed;
    }

    private void checkMagic() throws CheckpointException {
        byte[] magic = in.bytes(MAGIC.length, "the GGUF magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CheckpointException(in.path(), "not a GGUF file: offset 0 holds bytes "
                    + HexFormat.ofDelimiter(" ").formatHex(magic) + ", expected 47 47 55 46 ('GGUF')");
        }
    }

    private long checkVersion() throws CheckpointException {
        long version = in.uint32("the GGUF version");
        if (version == 2 || version == 3) {
            return version;
        }
        String why = Integer.reverseBytes((int) version) == 3 || Integer.reverseBytes((int) version) == 2
                ? " (a big-endian GGUF file; only little-endian files are supported)"
                : version == 1 ? " (version 1 used 32-bit counts and is obsolete)" : "";
        throw new CheckpointException(in.path(), "unsupported GGUF version " + version + " at offset 4" + why
                + "; supported: 2, 3");
    }

    private void readEntry(long index, SequencedMap<String, GgufValue> metadata) throws CheckpointException {
        long at = in.position();
        String key = new String(in.string("metadata key " + index), StandardCharsets.UTF_8);
        GgufType type = valueType("metadata '" + key + "'");
        GgufValue value = readValue(type, "metadata '" + key + "'", 0);
        if (metadata.putIfAbsent(key, value) != null) {
            throw corrupt("metadata key '" + key + "' at offset " + at + " appears twice");
        }
    }

    private GgufType valueType(String what) throws CheckpointException {
        long at = in.position();
        long id = in.uint32("the value type of " + what);
        GgufType type = GgufType.byId(id);
        if (type == null) {
            throw corrupt(what + ": unknown value type " + id + " at offset " + at);
        }
        return type;
    }

    private GgufValue readValue(GgufType type, String what, int depth) throws CheckpointException {
        return switch (type) {
            case UINT8 -> new GgufValue.Int(type, in.int8(what) & 0xffL);
            case INT8 -> new GgufValue.Int(type, in.int8(what));
            case UINT16 -> new GgufValue.Int(type, in.int16(what) & 0xffffL);
            case INT16 -> new GgufValue.Int(type, in.int16(what));
            case UINT32 -> new GgufValue.Int(type, in.uint32(what));
            case INT32 -> new GgufValue.Int(type, in.int32(what));
            case UINT64, INT64 -> new GgufValue.Int(type, in.int64(what));
            case FLOAT32 -> new GgufValue.Float32(Float.intBitsToFloat(in.int32(what)));
            case FLOAT64 -> new GgufValue.Float64(Double.longBitsToDouble(in.int64(what)));
            case BOOL -> bool(what);
            case STRING -> new GgufValue.Str(in.string(what));
            case ARRAY -> array(what, depth);
        };
    }

    private GgufValue bool(String what) throws CheckpointException {
        long at = in.position();
        byte b = in.int8(what);
        if (b != 0 && b != 1) {
            throw corrupt(what + ": bool byte " + b + " at offset " + at + " is neither 0 nor 1");
        }
        return new GgufValue.Bool(b == 1);
    }

    private GgufValue array(String what, int depth) throws CheckpointException {
        if (depth >= MAX_NESTING) {
            throw corrupt(what + ": arrays nested more than " + MAX_NESTING + " deep at offset " + in.position());
        }
        GgufType elementType = valueType(what + " array");
        long n = in.count(what + " array count", elementType.minimumBytes());
        if (n > Integer.MAX_VALUE - 8) {
            throw corrupt(what + ": array of " + n + " elements, more than a Java list holds");
        }
        List<GgufValue> elements = new ArrayList<>((int) Math.min(n, 1 << 20));
        for (long i = 0; i < n; i++) {
            elements.add(readValue(elementType, what + "[" + i + "]", depth + 1));
        }
        return new GgufValue.Array(elementType, elements);
    }

    private GgufTensorInfo readTensorInfo(long index) throws CheckpointException {
        String name = new String(in.string("tensor name " + index), StandardCharsets.UTF_8);
        String what = "tensor info of '" + name + "'";
        long at = in.position();
        long nDims = in.uint32(what);
        if (nDims > MAX_DIMS) {
            throw corrupt(what + ": " + nDims + " dims at offset " + at + " (ggml allows at most " + MAX_DIMS + ")");
        }
        long[] dims = new long[(int) nDims];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = in.int64(what);
            if (dims[d] < 0) {
                throw corrupt(what + ": dim " + d + " is " + Long.toUnsignedString(dims[d]));
            }
        }
        long typeAt = in.position();
        long typeId = in.uint32(what);
        GgmlType type = GgmlType.byId(typeId);
        if (type == null) {
            throw corrupt(what + ": unknown ggml type " + typeId + " at offset " + typeAt);
        }
        return new GgufTensorInfo(name, dims, type, in.int64(what));
    }

    private long alignment(SequencedMap<String, GgufValue> metadata) throws CheckpointException {
        GgufValue v = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (v == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        if (v instanceof GgufValue.Int i && i.value() > 0 && Long.bitCount(i.value()) == 1) {
            return i.value();
        }
        throw corrupt(GgufFile.ALIGNMENT_KEY + " must be a positive power of two, got " + v.type() + " " + v);
    }

    /** The data of every tensor must be whole blocks, aligned, and inside the file. */
    private void checkData(GgufFile parsed, GgufTensorInfo t) throws CheckpointException {
        String what = "tensor '" + t.name() + "' (" + t.type() + " dims " + Arrays.toString(t.dims()) + ")";
        long bytes;
        try {
            bytes = t.byteSize();
        } catch (ArithmeticException e) {
            throw corrupt(what + ": its size overflows 64 bits");
        }
        if (t.dims().length > 0 && t.dims()[0] % t.type().blockSize() != 0) {
            throw corrupt(what + ": innermost dim " + t.dims()[0] + " is not a multiple of the " + t.type()
                    + " block size " + t.type().blockSize());
        }
        if (t.offset() < 0 || t.offset() % parsed.alignment() != 0) {
            throw corrupt(what + ": data offset " + Long.toUnsignedString(t.offset())
                    + " is not a multiple of the alignment " + parsed.alignment());
        }
        // Offsets near 2^63 would wrap to negative file positions: past the file is past it, whatever the sum.
        long begin = parsed.dataStart() + t.offset();
        long end = begin + bytes;
        if (begin < parsed.dataStart() || end < begin || end > in.size()) {
            String span = begin < parsed.dataStart() || end < begin
                    ? "ends past byte 2^63 - 1 (" + bytes + " bytes at data section offset " + t.offset() + ")"
                    : "spans bytes " + begin + ".." + end + " (data section offset " + t.offset() + ")";
            throw corrupt(what + " " + span + ", outside the file, which ends at offset " + in.size()
                    + ": the file is truncated or the offset is corrupt");
        }
    }

    private CheckpointException corrupt(String detail) {
        return new CheckpointException(in.path(), detail);
    }
}
