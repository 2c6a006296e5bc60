package io.grow4j.transforms;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.TensorKey;

import java.util.Arrays;

/**
 * How one tensor of the grown model is made. {@code source} is the old tensor it grows from, or null for a fresh
 * tensor (a new layer); {@code statsFrom} is the tensor whose scale "arbitrary" entries follow (the source itself, or
 * the same role in a neighbouring layer); {@code rewrite}, if any, changes the padded tensor after (a clone's noise,
 * an orthonormal fill). The recipe holds no tensor data, so the same recipe serves in-memory
 * models, streamed checkpoints and device kernels.
 */
public record TensorRecipe(TensorKey target, TensorKey source, TensorKey statsFrom, long[] oldShape, long[] newShape,
                           int[][] newToOld, double scale, NewEntries fill, double shift, EntryRewrite rewrite) {

    /** Old entries × scale, no shift (every tensor but (1 + w) norm gains), no clone's perturbation. */
    public TensorRecipe(TensorKey target, TensorKey source, TensorKey statsFrom, long[] oldShape, long[] newShape,
                        int[][] newToOld, double scale, NewEntries fill) {
        this(target, source, statsFrom, oldShape, newShape, newToOld, scale, fill, 0.0, null);
    }

    /** Old entries × scale + shift ((1 + w) norm gains stored as w), no clone's perturbation. */
    public TensorRecipe(TensorKey target, TensorKey source, TensorKey statsFrom, long[] oldShape, long[] newShape,
                        int[][] newToOld, double scale, NewEntries fill, double shift) {
        this(target, source, statsFrom, oldShape, newShape, newToOld, scale, fill, shift, null);
    }

    /** The same recipe with its entries rewritten by {@code after} once padded (a clone's noise, an orthonormal fill). */
    public TensorRecipe withRewrite(EntryRewrite after) {
        return new TensorRecipe(target, source, statsFrom, oldShape, newShape, newToOld, scale, fill, shift, after);
    }

    /** Applies the rewrite, if any, to {@code grown}, just made by padding with this recipe. */
    public void perturb(io.grow4j.model.Tensor grown, long planSeed, int stepIndex) {
        if (rewrite != null) {
            rewrite.apply(grown, this, planSeed, stepIndex);
        }
    }

    /** The source unchanged: same shape, every index in place, no scaling. */
    public boolean isCopy() {
        return source != null && scale == 1.0 && shift == 0.0 && rewrite == null && toPadSpec(Fill.ZERO).isIdentity();
    }

    /**
     * A fresh tensor of zeros (a new layer's output projections, which keep the function): nothing to read, pad or
     * perturb, so executors may take fresh zeroed memory or a file hole as it.
     */
    public boolean isZero() {
        return source == null && fill == NewEntries.ZERO && rewrite == null;
    }

    /**
     * The axis with new entries, for fills along it ({@link NewEntries#AXIS_MEAN}); 0 when none has any.
     *
     * @throws IllegalStateException several axes have new entries, so "along the grown axis" means nothing
     */
    public int grownAxis() {
        int grown = -1;
        for (int a = 0; a < newToOld.length; a++) {
            if (Arrays.stream(newToOld[a]).anyMatch(old -> old < 0)) {
                if (grown >= 0) {
                    throw new IllegalStateException(target + ": axes " + grown + " and " + a + " both grow, so a mean"
                            + " along the grown axis is undefined");
                }
                grown = a;
            }
        }
        return Math.max(grown, 0);
    }

    public PadSpec toPadSpec(Fill resolvedFill) {
        return new PadSpec(oldShape, newShape, newToOld, scale, resolvedFill, shift);
    }

    @Override
    public String toString() {
        return target + " <- " + (source == null ? "new" : source) + " " + Arrays.toString(oldShape) + " -> "
                + Arrays.toString(newShape) + " scale " + scale + (shift == 0 ? "" : " shift " + shift)
                + " new entries " + fill + (rewrite == null ? "" : " then " + rewrite.describe());
    }
}
