package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where one tensor of a checkpoint lies on disk: its file and the absolute byte offset of its data. Holds no data, so
 * a checkpoint of any size can be described in a few kilobytes and its tensors mapped one at a time.
 */
public record TensorLocation(TensorKey key, SafetensorsEntry entry, Path file, long offset) {

    public DType dtype() {
        return entry.dtype();
    }

    public long byteSize() {
        return entry.byteSize();
    }

    /**
     * The tensor as a read-only view of the file, valid until {@code arena} closes. Mapping only this tensor's range
     * (not the whole shard) is what keeps resident memory bounded by the largest tensor rather than the model.
     *
     * @param channel the tensor's {@link #file()}, opened for reading
     */
    public Tensor map(FileChannel channel, Arena arena) throws IOException {
        long bytes = byteSize();
        if (offset + bytes > channel.size()) {
            throw CheckpointException.truncated(file, channel.size(), "tensor " + entry.name(), offset, offset + bytes);
        }
        var data = bytes == 0 ? arena.allocate(0) : channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
        return new Tensor(entry.dtype(), entry.shape(), data);
    }
}
