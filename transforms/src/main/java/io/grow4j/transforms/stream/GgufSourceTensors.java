package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.GgufCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A GGUF file's tensors through one read-only channel for the whole run: float tensors mapped in place, quantized
 * ones decoded to float32 one at a time into the caller's arena.
 */
final class GgufSourceTensors implements SourceTensors {
    private final GgufCheckpoint checkpoint;
    private final FileChannel channel;
    private final Map<TensorKey, DType> dtypes;

    GgufSourceTensors(GgufCheckpoint checkpoint) throws IOException {
        this.checkpoint = checkpoint;
        this.channel = FileChannel.open(checkpoint.file(), StandardOpenOption.READ);
        this.dtypes = checkpoint.dtypes();
    }

    @Override
    public Map<TensorKey, DType> dtypes() {
        return dtypes;
    }

    @Override
    public Tensor map(TensorKey key, Arena arena) throws IOException {
        return checkpoint.map(key, channel, arena);
    }

    @Override
    public Stored stored(TensorKey key) {
        long offset = checkpoint.storedOffset(key);
        return offset < 0 ? null : new Stored(channel, offset, checkpoint.heldBytes(key));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
