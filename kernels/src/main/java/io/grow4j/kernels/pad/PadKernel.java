package io.grow4j.kernels.pad;

import io.grow4j.model.Tensor;

/** Builds a grown tensor from an old one by a {@link PadSpec}. Backends implement it on their device. */
public interface PadKernel {
    String name();

    /** Writes every entry of dst (shape spec.newShape) from src (shape spec.oldShape). */
    void pad(Tensor src, Tensor dst, PadSpec spec);
}
