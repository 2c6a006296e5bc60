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
     * The tensor at {@code offset} of a read-only mapping, in place: no copy, so a model of any size loads in the
     * page cache rather than the heap or native memory. Both sides are little-endian row-major. The mapping lives as
     * long as its arena (an automatic one: as long as the tensor is reachable); outputs replace files by renaming
     * them ({@link AtomicOutput}), which leaves a mapped original intact.
     */
    static Tensor mappedTensor(MemorySegment file, long offset, DType dtype, long[] shape) {
        return new Tensor(dtype, shape, file.asSlice(offset, Tensor.elementCount(shape) * dtype.bytes()));
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
