package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.CheckpointException;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.TensorLocation;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors checkpoint directory's tensors, one read-only channel per shard for the whole run (shards are not reopened per
 * tensor), each tensor mapped on demand into an arena the caller closes. Nothing here can write to the source.
 */
final class HfSourceTensors implements SourceTensors {
    /** ByteBuffers index with int; larger tensors are read in pieces. */
    private static final long CHUNK = 1L << 30;
    private final HfCheckpoint checkpoint;
    private final Map<Path, FileChannel> channels = new HashMap<>();

    HfSourceTensors(HfCheckpoint checkpoint) throws IOException {
        this.checkpoint = checkpoint;
        try {
            for (TensorLocation l : checkpoint.tensors().values()) {
                if (!channels.containsKey(l.file())) {
                    channels.put(l.file(), FileChannel.open(l.file(), StandardOpenOption.READ));
                }
            }
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    HfCheckpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public Map<TensorKey, DType> dtypes() {
        return dtypes(checkpoint);
    }

    /** Each tensor's stored dtype, from the safetensors headers alone. */
    static Map<TensorKey, DType> dtypes(HfCheckpoint checkpoint) {
        Map<TensorKey, DType> out = new LinkedHashMap<>();
        checkpoint.tensors().forEach((k, l) -> out.put(k, l.dtype()));
        return out;
    }

    TensorLocation location(TensorKey key) {
        TensorLocation l = checkpoint.tensors().get(key);
        if (l == null) {
            throw new IllegalArgumentException(checkpoint.directory() + " has no tensor " + key);
        }
        return l;
    }

    /** The tensor as a view of its file, valid until {@code arena} closes. */
    @Override
    public Tensor map(TensorKey key, Arena arena) throws IOException {
        TensorLocation l = location(key);
        return l.map(channels.get(l.file()), arena);
    }

    /**
     * Read with positional reads straight into the buffer (no mapping), block after block for a part fused head by
     * head; a short file is reported as truncated.
     */
    @Override
    public Tensor read(TensorKey key, SourceReadBuffers buffers, Arena arena) throws IOException {
        TensorLocation l = location(key);
        FileChannel channel = channels.get(l.file());
        MemorySegment data = buffers.take(l.byteSize());
        for (int b = 0; b < l.blocks(); b++) {
            MemorySegment block = data.asSlice(b * l.blockBytes(), l.blockBytes());
            long start = l.offset() + b * l.stride();
            for (long done = 0; done < block.byteSize(); ) {
                long piece = Math.min(block.byteSize() - done, CHUNK);
                int n = channel.read(block.asSlice(done, piece).asByteBuffer(), start + done);
                if (n < 0) {
                    throw CheckpointException.truncated(l.file(), channel.size(), "tensor " + l.entry().name(),
                            l.offset(), l.offset() + l.spanBytes());
                }
                done += n;
            }
        }
        return new Tensor(l.dtype(), l.entry().shape(), data);
    }

    /** The open channel of the file holding {@code key}, for kernel-side copies. */
    FileChannel channel(TensorKey key) {
        return channels.get(location(key).file());
    }

    /** Null for a part fused head by head: its bytes are not one range of the file. */
    @Override
    public Stored stored(TensorKey key) {
        TensorLocation l = location(key);
        return l.contiguous() ? new Stored(channels.get(l.file()), l.offset(), l.byteSize()) : null;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (FileChannel c : channels.values()) {
            try {
                c.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        channels.clear();
        if (first != null) {
            throw first;
        }
    }
}
