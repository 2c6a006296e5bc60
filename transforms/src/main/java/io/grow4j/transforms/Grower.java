package io.grow4j.transforms;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Consumer;

/**
 * Runs a plan on an in-memory model: validates the whole plan first (every problem at once, nothing touched), then
 * applies the steps in order, each tensor by its recipe on the given padding kernel. Unchanged tensors are shared,
 * not copied.
 */
public final class Grower {
    private final PadKernel kernel;
    private final List<String> notes = new ArrayList<>();

    public Grower(PadKernel kernel) {
        this.kernel = kernel;
    }

    public Model grow(Model model, GrowthPlan plan) {
        return grow(model, plan, report -> { });
    }

    public Model grow(Model model, GrowthPlan plan, Consumer<StepReport> onStep) {
        PlanException.throwIfAny(plan.problems(model.config()));
        GrowthMemory.requireInMemory(model.config(), plan, GrowthMemory.widestElement(model));
        Model current = model;
        for (int i = 0; i < plan.steps().size(); i++) {
            long start = System.nanoTime();
            Model next = applyStep(current, plan.steps().get(i), plan.seed(), i);
            double seconds = (System.nanoTime() - start) / 1e9;
            onStep.accept(new StepReport(plan.label(i), current.parameterCount(), next.parameterCount(), seconds));
            current = next;
        }
        return current;
    }

    /**
     * What the last runs met that keeps the function but may hinder training: "arbitrary" entries that came out zero
     * because their reference tensor has no spread (DESIGN 2.5: where both sides of a product are zero, gradients
     * cannot move either).
     */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /**
     * One step: a recipe per tensor of the grown model. The fills' statistics ({@link Moments}: up to 65,536 samples
     * in a chain of dependent divisions, latency-bound) are taken on the common pool ahead of the padding
     * (memory-bound), so the two overlap on two cores instead of alternating; outputs are the same, since each tensor
     * depends only on its recipe, its seed and the step's input model.
     */
    public Model applyStep(Model model, GrowthStep step, long planSeed, int stepIndex) {
        TransformerConfig before = model.config();
        TransformerConfig after = step.apply(before);
        List<TensorRecipe> recipes = step.recipes(before, after);
        List<CompletableFuture<Fill>> fills = new ArrayList<>(recipes.size());
        for (TensorRecipe recipe : recipes) {
            fills.add(recipe.isCopy() ? CompletableFuture.completedFuture(null) : CompletableFuture.supplyAsync(
                    () -> FillResolver.resolve(recipe, reference(model, recipe), planSeed, stepIndex),
                    ForkJoinPool.commonPool()));
        }
        Map<TensorKey, Tensor> grown = new TreeMap<>();
        for (int i = 0; i < recipes.size(); i++) {
            TensorRecipe recipe = recipes.get(i);
            grown.put(recipe.target(), build(model, recipe, await(fills.get(i)), planSeed, stepIndex));
        }
        return model.derive(after, grown);
    }

    private static Tensor reference(Model model, TensorRecipe recipe) {
        return recipe.statsFrom() == null ? null : model.tensor(recipe.statsFrom());
    }

    /** The fill, or the resolver's own exception (an invalid recipe names itself), not a CompletionException. */
    private static Fill await(CompletableFuture<Fill> fill) {
        try {
            return fill.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw e;
        }
    }

    private Tensor build(Model model, TensorRecipe recipe, Fill fill, long planSeed, int stepIndex) {
        Tensor source = recipe.source() == null ? null : model.tensor(recipe.source());
        if (source != null && !source.hasShape(recipe.oldShape())) {
            // a recipe may read its source with a unit axis added (a dense MLP weight read as one expert)
            source = source.reshape(recipe.oldShape());
        }
        if (recipe.isCopy()) {
            return source;
        }
        Tensor reference = reference(model, recipe);
        DType base = source != null ? source.dtype() : reference != null ? reference.dtype() : model.dtypeOrDefault();
        Tensor out = Tensor.allocate(GrownDTypes.of(recipe, base), recipe.newShape());
        if (fill instanceof Fill.Uniform u && u.halfWidth() == 0) {
            notes.add("step " + (stepIndex + 1) + ": new entries of " + recipe.target() + " are all zero, because "
                    + (reference == null ? "it has no reference" : recipe.statsFrom()) + " has no spread; where the"
                    + " entries they multiply are zero too, training cannot move them");
        }
        if (!recipe.isZero()) { // fresh memory is zeroed already: touching its pages again would only cost
            kernel.pad(source, out, recipe.toPadSpec(fill));
            recipe.perturb(out, planSeed, stepIndex);
        }
        return out;
    }

    /** The configs after each step, for reports that need them without touching tensors. */
    public static List<TransformerConfig> configs(TransformerConfig start, GrowthPlan plan) {
        PlanException.throwIfAny(plan.problems(start));
        List<TransformerConfig> configs = new ArrayList<>();
        TransformerConfig c = start;
        for (GrowthStep step : plan.steps()) {
            c = step.apply(c);
            configs.add(c);
        }
        return configs;
    }
}
