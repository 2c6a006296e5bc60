package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.util.Map;

/**
 * The source model's tensors as streamed growth reads them: one tensor at a time, as the in-memory reader would hold
 * it, into an arena the caller closes. Nothing here can write to the source. {@link HfSourceTensors} maps safetensors
 * shards, {@link GgufSourceTensors} a GGUF file.
 */
interface SourceTensors extends AutoCloseable {

    /** Where a tensor's bytes lie in an open file, stored exactly as held in memory. */
    record Stored(FileChannel channel, long offset, long bytes) {
    }

    /** The dtype of every source tensor as held in memory. */
    Map<TensorKey, DType> dtypes();

    /** The tensor as held in memory, valid until {@code arena} closes. */
    Tensor map(TensorKey key, Arena arena) throws IOException;

    /**
     * The tensor as held in memory, read (copied, not mapped) into a buffer from {@code buffers}; the same values as
     * {@link #map}. Sources whose tensors must be decoded map them into {@code arena} instead.
     */
    default Tensor read(TensorKey key, SourceReadBuffers buffers, Arena arena) throws IOException {
        return map(key, arena);
    }

    /**
     * Where the file holds {@code key}'s bytes exactly as {@link #map} gives them, for a file-to-file copy; null when
     * they must be decoded (a quantized GGUF tensor).
     */
    Stored stored(TensorKey key);

    @Override
    void close() throws IOException;
}
