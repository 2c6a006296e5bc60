package io.grow4j.transforms.stream;

/**
 * Hears how a streamed growth advances, so a command can draw a progress bar without this package knowing about
 * terminals. Calls come from the growing thread, in order: start, one tensorWritten per output tensor, finish (not
 * called when the run fails).
 */
public interface StreamProgress {
    StreamProgress NONE = new StreamProgress() {
    };

    /** Before the first tensor: the bytes of tensor data and the number of tensors to write. */
    default void start(long totalBytes, int totalTensors) {
    }

    /** After each output tensor is in its shard. */
    default void tensorWritten(String name, long bytes) {
    }

    /** After the output is renamed into place. */
    default void finish() {
    }
}
