package io.grow4j.train;

import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.RopePermutation;

/**
 * Weights and AdamW moments moved together between RoPE layouts. A format stores Q and K rows in its own layout (a
 * Hugging Face llama half-split, GGUF and llama2.c interleaved) and permutes a model of the other on write, so the
 * moments saved beside a written model must be permuted the same way to stay with their weights, and both permuted
 * back on resume: a permutation of rows, exact, while the run's own layout fixes the order of its q·k sums.
 */
public final class StoredLayout {
    private StoredLayout() {
    }

    /** The config's RoPE layout; null for learned positions, whose Q and K rows no format permutes. */
    public static RopeLayout of(TransformerConfig config) {
        return config.positions() instanceof Positions.Rope rope ? rope.layout() : null;
    }

    /**
     * The tensors with Q and K rows in {@code target} layout (the same object when they are already, or when the
     * model has no RoPE and {@code target} is null).
     */
    public static Parameters toLayout(Parameters params, RopeLayout target) {
        RopeLayout current = of(params.config());
        if (current == target) {
            return params;
        }
        if (current == null || target == null) {
            throw new IllegalArgumentException("cannot move a model with " + params.config().positions()
                    + " positions to RoPE layout " + target);
        }
        return Parameters.of(RopePermutation.toLayout(params.toModel(DType.F32), target));
    }

    /** Both moments moved to {@code target}; AdamW's step and settings kept. */
    public static AdamW toLayout(AdamW optimizer, RopeLayout target) {
        return new AdamW(optimizer.settings(), toLayout(optimizer.first(), target),
                toLayout(optimizer.second(), target), optimizer.step());
    }
}
