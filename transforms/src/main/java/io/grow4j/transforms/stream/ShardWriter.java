package io.grow4j.transforms.stream;

import io.grow4j.model.format.SafetensorsEntry;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes one output shard front to back: the prefix, then each tensor's bytes in header order, either from memory or
 * copied file to file by the kernel (copy_file_range where the platform has it), which is how unchanged tensors cost
 * no more than {@code cp}. Every tensor must arrive with exactly the bytes its header entry promised, whole or as
 * consecutive pieces (the row-stacked parts of Phi-3's qkv_proj, each written or copied on its own).
 */
final class ShardWriter implements GrowthStream.TensorSink, AutoCloseable {
    /** ByteBuffers index with int; larger segments go out in pieces. */
    private static final long CHUNK = 1L << 30;

    private final Path file;
    private final ShardPlan.Shard shard;
    private final FileChannel channel;
    private int next;
    /** Bytes of the next tensor already written (its earlier parts). */
    private long partial;

    private ShardWriter(Path file, ShardPlan.Shard shard, FileChannel channel) {
        this.file = file;
        this.shard = shard;
        this.channel = channel;
    }

    static ShardWriter create(Path dir, ShardPlan.Shard shard) throws IOException {
        Path file = dir.resolve(shard.fileName());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ShardWriter w = new ShardWriter(file, shard, channel);
        try {
            w.writeFully(ByteBuffer.wrap(shard.prefix()));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return w;
    }

    /** The entry the next tensor must match. */
    SafetensorsEntry nextEntry() {
        if (next >= shard.entries().size()) {
            throw new IllegalStateException(file + ": all " + next + " tensors already written");
        }
        return shard.entries().get(next);
    }

    /** Writes the next tensor, or its next part, from memory. */
    @Override
    public void write(MemorySegment data) throws IOException {
        long start = begin(data.byteSize());
        append(data);
        end(start, data.byteSize());
    }

    /** Copies {@code count} bytes at {@code offset} of {@code source} without passing them through Java memory. */
    @Override
    public void transfer(FileChannel source, long offset, long count) throws IOException {
        long start = begin(count);
        long done = 0;
        while (done < count) {
            long n = source.transferTo(offset + done, count - done, channel);
            if (n <= 0 && offset + done >= source.size()) {
                throw new IOException(file + ": source ended at offset " + (offset + done) + " while copying "
                        + nextEntry().name() + " (" + count + " bytes from offset " + offset + ")");
            }
            done += n;
        }
        end(start, count);
    }

    @Override
    public boolean holes() {
        return true;
    }

    /**
     * Zeros as the next tensor or part: the position moves on without writing, so the file reads zeros there and
     * holds no blocks for them (a sparse file; {@link #close} makes sure the file reaches its full length).
     */
    @Override
    public void hole(long count) throws IOException {
        long start = begin(count);
        channel.position(start + count);
        end(start, count);
    }

    /**
     * Starts {@code bytes} of the next tensor (all of it, or one part after those already written), which then arrive
     * in pieces through {@link #append}; returns their start offset for {@link #end}.
     */
    long begin(long bytes) throws IOException {
        SafetensorsEntry entry = nextEntry();
        if (partial + bytes > entry.byteSize() || bytes <= 0 && entry.byteSize() > 0) {
            throw new IllegalStateException(file + ": tensor " + entry + " needs " + entry.byteSize()
                    + " bytes, got " + bytes + (partial > 0 ? " after " + partial : ""));
        }
        return channel.position();
    }

    void append(MemorySegment data) throws IOException {
        for (long at = 0, size = data.byteSize(); at < size; at += CHUNK) {
            writeFully(data.asSlice(at, Math.min(CHUNK, size - at)).asByteBuffer());
        }
    }

    /**
     * Ends the bytes begun at {@code start} with {@link #begin}; the tensor is complete once it has received exactly
     * its entry's bytes.
     */
    void end(long start, long bytes) throws IOException {
        SafetensorsEntry entry = nextEntry();
        long end = channel.position();
        if (end - start != bytes) {
            throw new IOException(file + ": tensor " + entry.name() + " at offset " + start + " took " + (end - start)
                    + " bytes instead of " + bytes);
        }
        partial += bytes;
        if (partial == entry.byteSize()) {
            partial = 0;
            next++;
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Closes the file; it must hold every tensor of its header, else the shard is reported incomplete. */
    @Override
    public void close() throws IOException {
        long size = channel.position();
        try (channel) {
            if (channel.size() < size) {
                // the file ends in a hole: its last byte, written, gives the file its length
                channel.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        if (next != shard.entries().size()) {
            throw new IOException(file + ": incomplete shard, " + next + " of " + shard.entries().size()
                    + " tensors written (" + size + " of " + shard.fileBytes() + " bytes)");
        }
    }
}
