package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * Writes a GGUF file front to back without holding its tensors: header, metadata and the whole tensor table first
 * (every offset follows from the dtypes and shapes), then each tensor's bytes at its aligned offset as they arrive,
 * from memory or copied file to file, whole or in consecutive pieces (the row-stacked parts of a fused tensor such as
 * attn_qkv, one after another). The bytes are exactly those {@link GgufWriter#write} produces for the same
 * metadata and tensors, which is what keeps streamed GGUF growth identical to growing in memory.
 */
public final class GgufStreamWriter implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final GgufWriter out;
    private final List<GgufTensorInfo> infos;
    /** A Gemma file: norm gains are written as 1 + w. */
    private final boolean unitOffsetGains;
    /** Absolute offset of the data section, known once the header is out. */
    private long dataStart;
    private int next;
    /** Bytes of tensor {@link #next} written so far: its parts arrive one at a time. */
    private long inTensor;

    private GgufStreamWriter(Path file, FileChannel channel, List<GgufTensorInfo> infos, boolean unitOffsetGains) {
        this.file = file;
        this.channel = channel;
        this.out = new GgufWriter(channel);
        this.infos = infos;
        this.unitOffsetGains = unitOffsetGains;
    }

    /**
     * Creates {@code file} (which must not exist) and writes everything before the first tensor's data.
     *
     * @param tensors name, dtype (F32, F16, BF16 or F64) and row-major shape of every tensor, in file order
     */
    public static GgufStreamWriter create(Path file, SequencedMap<String, GgufValue> metadata,
            List<SafetensorsEntry> tensors) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            GgufStreamWriter w = new GgufStreamWriter(file, channel, layout(tensors),
                    metadata.get(GgufFile.ARCHITECTURE_KEY) instanceof GgufValue.Str arch
                            && GgufFamily.unitOffsetGains(arch.text()));
            w.out.header(metadata, w.infos);
            w.out.flush();
            w.dataStart = w.out.written;
            return w;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static List<GgufTensorInfo> layout(List<SafetensorsEntry> tensors) {
        List<GgufTensorInfo> infos = new ArrayList<>();
        for (SafetensorsEntry e : tensors) {
            infos.add(new GgufTensorInfo(e.name(), GgufTensorInfo.dimsOf(e.shape()), GgmlType.of(e.dtype()), 0));
        }
        return GgufWriter.layout(infos);
    }

    /** Bytes of the file before the first tensor's data: header, metadata, tensor table and padding. */
    public static long headerBytes(SequencedMap<String, GgufValue> metadata, List<SafetensorsEntry> tensors) {
        long[] counted = {0};
        WritableByteChannel counter = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                counted[0] += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try {
            GgufWriter w = new GgufWriter(counter);
            w.header(metadata, layout(tensors));
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the counter never fails
        }
        return counted[0];
    }

    /** Bytes of tensor data including the alignment padding between and after tensors (header excluded). */
    public static long dataBytes(List<SafetensorsEntry> tensors) {
        List<GgufTensorInfo> infos = layout(tensors);
        if (infos.isEmpty()) {
            return 0;
        }
        GgufTensorInfo last = infos.getLast();
        return GgufFile.align(last.offset() + last.byteSize(), GgufWriter.ALIGNMENT);
    }

    /**
     * Writes the next tensor, or its next part, from memory. In a Gemma file a norm gain (never a part of a fused
     * tensor) arrives whole as the model's w and is written as 1 + w, as {@link GgufFormat#write} writes it
     * ({@link GgufUnitOffsetGains}).
     */
    public void write(MemorySegment data) throws IOException {
        GgufTensorInfo info = begin(data.byteSize());
        if (unitOffsetGains && info.name().endsWith(GgufUnitOffsetGains.SUFFIX)) {
            DType dtype = info.type().dtype();
            data = GgufUnitOffsetGains.gains(new Tensor(dtype, info.shape(), data), dtype).data();
        }
        SegmentIo.writeFully(channel, data);
        end(info, data.byteSize());
    }

    /** Copies {@code count} bytes at {@code offset} of {@code source} as the next tensor or part, file to file. */
    public void transfer(FileChannel source, long offset, long count) throws IOException {
        GgufTensorInfo info = begin(count);
        long done = 0;
        while (done < count) {
            long n = source.transferTo(offset + done, count - done, channel);
            if (n <= 0 && offset + done >= source.size()) {
                throw new IOException(file + ": source ended at offset " + (offset + done) + " while copying "
                        + info.name() + " (" + count + " bytes from offset " + offset + ")");
            }
            done += n;
        }
        end(info, count);
    }

    private GgufTensorInfo begin(long bytes) throws IOException {
        if (next >= infos.size()) {
            throw new IllegalStateException(file + ": all " + next + " tensors already written");
        }
        GgufTensorInfo info = infos.get(next);
        if (inTensor + bytes > info.byteSize()) {
            throw new IllegalStateException(file + ": tensor " + info.name() + " needs " + info.byteSize()
                    + " bytes, got " + (inTensor + bytes));
        }
        if (inTensor == 0) {
            out.padTo(dataStart + info.offset());
        }
        out.flush();
        return info;
    }

    private void end(GgufTensorInfo info, long bytes) throws IOException {
        out.written += bytes;
        inTensor += bytes;
        if (channel.position() != out.written) {
            throw new IOException(file + ": tensor " + info.name() + " ended at offset " + channel.position()
                    + " instead of " + out.written);
        }
        if (inTensor == info.byteSize()) {
            next++;
            inTensor = 0;
        }
    }

    /** Pads the end and closes the file; it must hold every tensor of its table, else it is reported incomplete. */
    @Override
    public void close() throws IOException {
        try (channel) {
            if (next != infos.size() || inTensor != 0) {
                throw new IOException(file + ": incomplete GGUF file, " + next + " of " + infos.size()
                        + " tensors written");
            }
            out.padTo(GgufFile.align(out.written, GgufWriter.ALIGNMENT));
            out.flush();
        }
    }
}
