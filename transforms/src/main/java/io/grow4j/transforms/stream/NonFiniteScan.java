package io.grow4j.transforms.stream;

import io.grow4j.model.NonFiniteCount;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.HfCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counts the NaN and infinite entries of a checkpoint that is streamed, before anything is written: each tensor is
 * mapped (a quantized GGUF tensor decoded) one at a time and unmapped after its scan, so memory stays bounded by the
 * largest tensor, as in streamed growth itself.
 */
public final class NonFiniteScan {
    private NonFiniteScan() {
    }

    /** The tensors of the directory holding any non-finite entry, with their counts, in key order. */
    public static SortedMap<TensorKey, NonFiniteCount> of(HfCheckpoint checkpoint) throws IOException {
        try (SourceTensors source = new HfSourceTensors(checkpoint)) {
            return scan(source);
        }
    }

    /** The tensors of the GGUF file holding any non-finite entry (quantized ones as decoded), in key order. */
    public static SortedMap<TensorKey, NonFiniteCount> of(GgufCheckpoint checkpoint) throws IOException {
        try (SourceTensors source = new GgufSourceTensors(checkpoint)) {
            return scan(source);
        }
    }

    private static SortedMap<TensorKey, NonFiniteCount> scan(SourceTensors source) throws IOException {
        SortedMap<TensorKey, NonFiniteCount> found = new TreeMap<>();
        for (TensorKey key : source.dtypes().keySet()) {
            try (Arena arena = Arena.ofShared()) { // shared: large tensors are scanned in parallel
                NonFiniteCount count = NonFiniteCount.of(source.map(key, arena));
                if (count.any()) {
                    found.put(key, count);
                }
            }
        }
        return found;
    }
}
