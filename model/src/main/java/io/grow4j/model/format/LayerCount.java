package io.grow4j.model.format;

import java.nio.file.Path;

/**
 * A layer count from a header or config.json is believed only as far as the checkpoint holds tensors for it: every
 * layer stores at least one tensor. Checked before anything is listed per layer, so a corrupt count (2^31 - 1) fails
 * at once instead of building billions of tensor names (a hang, or minutes and gigabytes before an
 * OutOfMemoryError).
 */
final class LayerCount {
    private LayerCount() {
    }

    /** Null when {@code layers} is possible, else the problem, naming the field, its value and the limit. */
    static String problem(String field, int layers, int tensorsPresent) {
        if (layers <= tensorsPresent) {
            return null;
        }
        return field + " " + layers + " is more than the " + tensorsPresent + " tensors the checkpoint holds (each"
                + " layer stores at least one): the count is corrupt or belongs to another checkpoint";
    }

    static void check(Path path, String field, int layers, int tensorsPresent) throws CheckpointException {
        String problem = problem(field, layers, tensorsPresent);
        if (problem != null) {
            throw new CheckpointException(path, problem);
        }
    }
}
