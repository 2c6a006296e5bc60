package io.grow4j.model.format;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * The parsed front of a GGUF file: version, metadata in file order, the tensor table in file order, and where the
 * data section starts ({@code dataStart}, already aligned). Tensor bytes stay in the file until asked for.
 */
record GgufFile(long version, SequencedMap<String, GgufValue> metadata, SequencedMap<String, GgufTensorInfo> tensors,
        long alignment, long dataStart) {
    static final String ALIGNMENT_KEY = "general.alignment";
    static final String ARCHITECTURE_KEY = "general.architecture";
    /** The spec's default when general.alignment is absent. */
    static final long DEFAULT_ALIGNMENT = 32;

    GgufFile {
        metadata = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(metadata));
        tensors = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(tensors));
    }

    /** Absolute file offset of a tensor's first byte. */
    long start(GgufTensorInfo tensor) {
        return dataStart + tensor.offset();
    }

    static long align(long offset, long alignment) {
        return Math.addExact(offset, alignment - 1) / alignment * alignment;
    }
}
