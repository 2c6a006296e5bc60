package io.grow4j.transforms;

import io.grow4j.model.Tensor;

/**
 * A seeded change a recipe makes to its tensor after padding, where the new entries are not copies of single old ones:
 * a clone's split noise ({@link SplitNoise}) or the orthonormal fill of new query dims ({@link OrthonormalFill}). Every
 * grower (in memory, streamed) applies it the same way after the pad kernel, so their outputs stay identical.
 */
public sealed interface EntryRewrite permits SplitNoise, OrthonormalFill {
    /**
     * Rewrites {@code grown} in place.
     *
     * @param recipe    the recipe that just padded {@code grown}
     * @param planSeed  the plan's seed
     * @param stepIndex the step's index in the plan
     */
    void apply(Tensor grown, TensorRecipe recipe, long planSeed, int stepIndex);

    /** What it changes, in words, for notes on rounding ("cloned entries perturbed (noise 0.01)"). */
    String describe();
}
