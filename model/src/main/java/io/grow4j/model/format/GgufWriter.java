package io.grow4j.model.format;

import io.grow4j.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * Writes a GGUF version 3 file: header, metadata, tensor table, then each tensor's bytes at an offset aligned to
 * {@link #ALIGNMENT}, zero-padded between. Tensors go out as stored (F32, F16, BF16 or F64, little-endian row-major,
 * which is ggml's layout with the dims reversed), so writing is byte for byte.
 */
final class GgufWriter {
    static final int ALIGNMENT = 32;
    static final int VERSION = 3;
    private static final int BUFFER = 1 << 20;

    private final WritableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    long written;

    GgufWriter(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** Writes a new file at {@code file} (which must not exist) with the metadata and tensors in the given order. */
    static void write(Path file, SequencedMap<String, GgufValue> metadata, SequencedMap<String, Tensor> tensors)
            throws IOException {
        List<GgufTensorInfo> unplaced = new ArrayList<>();
        tensors.forEach((name, t) -> unplaced.add(new GgufTensorInfo(name, GgufTensorInfo.dimsOf(t.shape()),
                GgmlType.of(t.dtype()), 0)));
        List<GgufTensorInfo> infos = layout(unplaced);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            GgufWriter out = new GgufWriter(channel);
            out.header(metadata, infos);
            long dataStart = out.written;
            for (GgufTensorInfo info : infos) {
                out.padTo(dataStart + info.offset());
                out.flush();
                SegmentIo.writeFully(channel, tensors.get(info.name()).data());
                out.written += info.byteSize();
            }
            out.padTo(GgufFile.align(out.written, ALIGNMENT));
            out.flush();
        }
    }

    /**
     * The same tensors at their aligned offsets from the start of the data section, in order. Shared with
     * {@link GgufStreamWriter}, which lays a file out before any tensor exists: the offsets depend only on the sizes.
     */
    static List<GgufTensorInfo> layout(List<GgufTensorInfo> tensors) {
        List<GgufTensorInfo> infos = new ArrayList<>();
        long offset = 0;
        for (GgufTensorInfo t : tensors) {
            infos.add(new GgufTensorInfo(t.name(), t.dims(), t.type(), offset));
            offset = GgufFile.align(offset + t.byteSize(), ALIGNMENT);
        }
        return infos;
    }

    void header(SequencedMap<String, GgufValue> metadata, List<GgufTensorInfo> infos) throws IOException {
        bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        int32(VERSION);
        int64(infos.size());
        int64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            string(e.getKey().getBytes(StandardCharsets.UTF_8));
            int32(e.getValue().type().id());
            value(e.getValue());
        }
        for (GgufTensorInfo info : infos) {
            string(info.name().getBytes(StandardCharsets.UTF_8));
            int32(info.dims().length);
            for (long d : info.dims()) {
                int64(d);
            }
            int32(info.type().id());
            int64(info.offset());
        }
        padTo(GgufFile.align(written, ALIGNMENT));
    }

    private void value(GgufValue v) throws IOException {
        switch (v) {
            case GgufValue.Int i -> integer(i);
            case GgufValue.Float32 f -> int32(Float.floatToRawIntBits(f.value()));
            case GgufValue.Float64 d -> int64(Double.doubleToRawLongBits(d.value()));
            case GgufValue.Bool b -> bytes(new byte[] {(byte) (b.value() ? 1 : 0)});
            case GgufValue.Str s -> string(s.utf8());
            case GgufValue.Array a -> {
                int32(a.elementType().id());
                int64(a.elements().size());
                for (GgufValue e : a.elements()) {
                    value(e);
                }
            }
        }
    }

    private void integer(GgufValue.Int i) throws IOException {
        long v = i.value();
        switch (i.type().bytes()) {
            case 1 -> bytes(new byte[] {(byte) v});
            case 2 -> bytes(new byte[] {(byte) v, (byte) (v >> 8)});
            case 4 -> int32((int) v);
            default -> int64(v);
        }
    }

    private void string(byte[] utf8) throws IOException {
        int64(utf8.length);
        bytes(utf8);
    }

    private void int32(int v) throws IOException {
        room(Integer.BYTES).putInt(v);
        written += Integer.BYTES;
    }

    private void int64(long v) throws IOException {
        room(Long.BYTES).putLong(v);
        written += Long.BYTES;
    }

    private void bytes(byte[] b) throws IOException {
        for (int at = 0; at < b.length; ) {
            int n = Math.min(b.length - at, BUFFER);
            room(n).put(b, at, n);
            at += n;
            written += n;
        }
    }

    void padTo(long offset) throws IOException {
        while (written < offset) {
            int n = (int) Math.min(offset - written, ALIGNMENT);
            bytes(new byte[n]);
        }
    }

    private ByteBuffer room(int bytes) throws IOException {
        if (buffer.remaining() < bytes) {
            flush();
        }
        return buffer;
    }

    void flush() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }
}
