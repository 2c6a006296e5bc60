package io.grow4j.transforms.stream;

import io.grow4j.model.TensorKey;

/**
 * A tensor as it stands after {@code stage} steps of a plan: stage 0 is the source checkpoint, stage n (the number of
 * steps) the grown model. Layer additions renumber layers, so the same key names different tensors at different
 * stages.
 */
record StagedKey(int stage, TensorKey key) {
    @Override
    public String toString() {
        return key + "@" + stage;
    }
}
