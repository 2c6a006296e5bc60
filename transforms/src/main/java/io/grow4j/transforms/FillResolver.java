package io.grow4j.transforms;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.SeededRandom;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;

/**
 * Turns a recipe's {@link NewEntries} into a concrete {@link Fill}: arbitrary entries are uniform with the standard
 * deviation of the reference tensor, seeded by plan seed, step and tensor, so a rerun reproduces them.
 */
public final class FillResolver {
    private FillResolver() {
    }

    /**
     * @param reference the tensor whose scale new entries follow (may be null: a new layer with no old layer; then
     *                  1/sqrt(fan-in) for weights and 1 for norm gains)
     */
    public static Fill resolve(TensorRecipe recipe, Tensor reference, long planSeed, int stepIndex) {
        boolean measured = reference != null && (recipe.fill() == NewEntries.MEAN
                || recipe.fill() == NewEntries.ARBITRARY);
        return resolve(recipe, measured ? Moments.of(reference) : null, planSeed, stepIndex);
    }

    /**
     * The same, given the reference tensor's {@link Moments} (null: no reference) instead of the tensor: streamed
     * growth samples an intermediate reference's entries rather than building it.
     */
    public static Fill resolve(TensorRecipe recipe, Moments reference, long planSeed, int stepIndex) {
        return switch (recipe.fill()) {
            case ZERO -> Fill.ZERO;
            case MEAN -> new Fill.Constant(reference == null ? 1.0 : recipe.scale() * reference.mean());
            case AXIS_MEAN -> new Fill.AxisMean(recipe.grownAxis());
            case ARBITRARY -> Fill.Uniform.withStd(seed(planSeed, stepIndex, recipe.target()), std(recipe, reference));
        };
    }

    private static double std(TensorRecipe recipe, Moments reference) {
        if (reference == null) {
            long[] shape = recipe.newShape();
            return 1.0 / Math.sqrt(shape[shape.length - 1]);
        }
        return recipe.scale() * reference.standardDeviation();
    }

    public static long seed(long planSeed, int stepIndex, TensorKey key) {
        long label = ((long) stepIndex << 40) ^ ((long) key.role().ordinal() << 20) ^ (key.layer() + 1);
        return SeededRandom.derive(planSeed, label);
    }
}
