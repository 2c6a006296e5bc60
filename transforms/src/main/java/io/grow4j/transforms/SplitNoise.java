package io.grow4j.transforms;

import io.grow4j.kernels.pad.SeededRandom;
import io.grow4j.model.Tensor;

/**
 * The symmetric perturbation of a clone (Net2Net's noise, HyperCloning): along {@code axis} each old index i appears
 * m times, every copy holding w·s (s = 1/m, the reader's split). Copy c becomes w·s·(1 + relative·u_c) with u_c
 * seeded and Σ_c u_c = 0, so the copies still sum to w: the unit, head or dim they read is the same in every copy, and
 * the reader's output is unchanged up to rounding, while training sees copies that differ and can move apart.
 *
 * @param axis     the axis of the reader's input, whose indices repeat old ones
 * @param relative the size of the perturbation relative to each entry (u_c lies in [-2, 2])
 */
public record SplitNoise(int axis, double relative) implements EntryRewrite {
    private static final long LABEL = 0x6E6F697365L; // "noise": its seeds never coincide with a fill's

    public SplitNoise {
        if (!(relative > 0 && relative < 1)) {
            throw new IllegalArgumentException("relative noise must be in (0, 1), got " + relative);
        }
    }

    /** Perturbs {@code grown} in place, along the recipe's map of {@link #axis}, seeded per tensor. */
    @Override
    public void apply(Tensor grown, TensorRecipe recipe, long planSeed, int stepIndex) {
        apply(grown, recipe.newToOld()[axis], FillResolver.seed(planSeed, stepIndex, recipe.target()));
    }

    @Override
    public String describe() {
        return "cloned entries perturbed (noise " + relative + ")";
    }

    /**
     * Perturbs {@code grown} in place.
     *
     * @param axisMap the recipe's map of {@link #axis}: new index → old index, each old index the same number of times
     * @param seed    the tensor's seed ({@link FillResolver#seed})
     */
    public void apply(Tensor grown, int[] axisMap, long seed) {
        long[] shape = grown.shape();
        long inner = 1;
        for (int a = axis + 1; a < shape.length; a++) {
            inner *= shape[a];
        }
        int size = axisMap.length;
        int[] copyOf = new int[size];
        int[] count = new int[size];
        int oldSize = 0;
        for (int j = 0; j < size; j++) {
            copyOf[j] = count[axisMap[j]]++;
            oldSize = Math.max(oldSize, axisMap[j] + 1);
        }
        int copies = count[0];
        long noiseSeed = SeededRandom.derive(seed, LABEL);
        for (long flat = 0; flat < grown.size(); flat++) {
            long outer = flat / (size * inner);
            int j = (int) (flat / inner % size);
            long group = ((outer * oldSize + axisMap[j]) * inner + flat % inner) * copies;
            double mean = 0;
            for (int c = 0; c < copies; c++) {
                mean += SeededRandom.unit(noiseSeed, group + c);
            }
            double u = 2 * (SeededRandom.unit(noiseSeed, group + copyOf[j]) - mean / copies);
            grown.set(flat, grown.get(flat) * (1 + relative * u));
        }
    }
}
