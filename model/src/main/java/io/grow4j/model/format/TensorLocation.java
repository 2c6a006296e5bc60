package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where one tensor of a checkpoint lies on disk: its file and the absolute byte offset of its data. Holds no data, so
 * a checkpoint of any size can be described in a few kilobytes and its tensors mapped one at a time.
 *
 * <p>A part fused head by head with others (GPT-NeoX's query_key_value) lies in {@code blocks} equal pieces, one per
 * head, {@code stride} bytes apart from the start of one to the next; a tensor stored whole is one block.
 */
public record TensorLocation(TensorKey key, SafetensorsEntry entry, Path file, long offset, int blocks, long stride) {

    public TensorLocation {
        if (blocks < 1 || entry.byteSize() % blocks != 0 || (blocks > 1 && stride < entry.byteSize() / blocks)) {
            throw new IllegalArgumentException(entry.name() + ": " + blocks + " blocks " + stride + " bytes apart"
                    + " cannot hold " + entry.byteSize() + " bytes");
        }
    }

    /** A tensor stored whole, from {@code offset} on. */
    public TensorLocation(TensorKey key, SafetensorsEntry entry, Path file, long offset) {
        this(key, entry, file, offset, 1, entry.byteSize());
    }

    /** The bytes lie in one piece, so they can be mapped or copied file to file as they are. */
    public boolean contiguous() {
        return blocks == 1;
    }

    /** Bytes of one block: the whole tensor, or its rows of one head. */
    public long blockBytes() {
        return entry.byteSize() / blocks;
    }

    /** Bytes of the file from the first block's start to the last block's end. */
    public long spanBytes() {
        return (blocks - 1) * stride + blockBytes();
    }

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
        long bytes = spanBytes();
        if (offset + bytes > channel.size()) {
            throw CheckpointException.truncated(file, channel.size(), "tensor " + entry.name(), offset, offset + bytes);
        }
        var data = bytes == 0 ? arena.allocate(0) : channel.map(FileChannel.MapMode.READ_ONLY, offset, bytes, arena);
        if (contiguous()) {
            return new Tensor(entry.dtype(), entry.shape(), data);
        }
        // A part fused head by head: its blocks gathered into fresh memory, in head order.
        Tensor gathered = Tensor.allocate(entry.dtype(), entry.shape());
        for (int b = 0; b < blocks; b++) {
            MemorySegment.copy(data, b * stride, gathered.data(), b * blockBytes(), blockBytes());
        }
        return gathered;
    }
}
