package io.grow4j.train;

import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grows one kind of AdamW moment with the same recipes as the weights. An old entry's moment moves with its weight
 * through every axis map; new entries (and whole new tensors) start at zero. Where a recipe rescales old weights,
 * w' = c·w, and the function is kept, the loss as a function of w' is the old loss at w'/c, so every gradient of an
 * old entry is g/c (ReferenceGradientScalingTest checks this for every step kind); the moments, being averages of
 * past gradients and of their squares, become m/c and v/c², the state training on the grown model would have built.
 * A map that sends one old entry to several new ones (duplication) breaks that argument, since the copies share the
 * gradient in ways the recipe does not say: such a tensor's moments are reset to zero. So does LayerNorm's mean fill
 * ({@link NewEntries#AXIS_MEAN}, GPT-2's hidden growth): the function is kept only while every new entry equals the
 * mean of the old ones, so moving an old entry alone leaves that constraint, and its gradient in the grown model is
 * not g/c (a few per cent off on a tiny GPT-2, GradientScalingTest): the writers' moments are reset too.
 */
final class MomentGrowth {
    private MomentGrowth() {
    }

    /** {@code power} 1 for first moments, 2 for second moments. */
    static Parameters grow(Parameters moments, List<TensorRecipe> recipes, TransformerConfig after, int power) {
        Map<TensorKey, float[]> grown = new LinkedHashMap<>();
        for (TensorRecipe recipe : recipes) {
            grown.put(recipe.target(), growTensor(recipe, recipe.source() == null ? null
                    : moments.get(recipe.source()), power));
        }
        return new Parameters(after, grown);
    }

    /**
     * Whether the tensor's old moments are carried (moved and rescaled): it has a source, no entry is duplicated and
     * it is not mean-filled. GradientScalingTest checks the g/c rule on exactly these.
     */
    static boolean carries(TensorRecipe recipe) {
        return recipe.source() != null && !duplicates(recipe.newToOld()) && recipe.fill() != NewEntries.AXIS_MEAN;
    }

    static float[] growTensor(TensorRecipe recipe, float[] old, int power) {
        float[] out = new float[Math.toIntExact(Tensor.elementCount(recipe.newShape()))];
        if (old == null || !carries(recipe)) {
            return out;
        }
        if (!(recipe.scale() != 0) || !Double.isFinite(recipe.scale())) {
            throw new IllegalArgumentException(recipe.target() + ": scale " + recipe.scale()
                    + " cannot be undone on the optimizer state");
        }
        float factor = (float) Math.pow(recipe.scale(), -power);
        int rank = recipe.newShape().length;
        long[] oldShape = recipe.oldShape();
        int[] index = new int[rank];
        for (int flat = 0; flat < out.length; flat++) {
            long oldFlat = 0;
            boolean isNew = false;
            for (int a = 0; a < rank; a++) {
                int o = recipe.newToOld()[a][index[a]];
                isNew |= o < 0;
                oldFlat = oldFlat * oldShape[a] + Math.max(o, 0);
            }
            out[flat] = isNew ? 0f : old[Math.toIntExact(oldFlat)] * factor;
            for (int a = rank - 1; a >= 0 && ++index[a] == recipe.newShape()[a]; a--) {
                index[a] = 0;
            }
        }
        return out;
    }

    private static boolean duplicates(int[][] newToOld) {
        for (int[] map : newToOld) {
            Set<Integer> seen = new HashSet<>();
            for (int o : map) {
                if (o >= 0 && !seen.add(o)) {
                    return true;
                }
            }
        }
        return false;
    }
}
