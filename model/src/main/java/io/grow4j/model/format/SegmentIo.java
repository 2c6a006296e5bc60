package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Moves bytes between memory segments, mapped files and channels, in chunks a ByteBuffer can address. */
final class SegmentIo {
    /** ByteBuffers index with int; tensors may exceed 2 GB, so large segments go out in pieces. */
    private static final long CHUNK = 1L << 30;

    private SegmentIo() {
    }

    /** Maps {@code path} read-only for the lifetime of {@code arena}. */
    static MemorySegment mapReadOnly(Path path, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
    }

    /**
     * A tensor in fresh memory holding a copy of the bytes at {@code offset}, so the mapping can be closed and the
     * file replaced afterwards. Both sides are little-endian row-major, so the copy is byte for byte.
     */
    static Tensor copyTensor(MemorySegment file, long offset, DType dtype, long[] shape) {
        Tensor t = Tensor.allocate(dtype, shape);
        t.data().copyFrom(file.asSlice(offset, t.byteSize()));
        return t;
    }

    static void writeFully(FileChannel channel, MemorySegment data) throws IOException {
        for (long at = 0, size = data.byteSize(); at < size; at += CHUNK) {
            writeFully(channel, data.asSlice(at, Math.min(CHUNK, size - at)).asByteBuffer());
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
