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

    /** One step: a recipe per tensor of the grown model. */
    public Model applyStep(Model model, GrowthStep step, long planSeed, int stepIndex) {
        TransformerConfig before = model.config();
        TransformerConfig after = step.apply(before);
        Map<TensorKey, Tensor> grown = new TreeMap<>();
        for (TensorRecipe recipe : step.recipes(before, after)) {
            grown.put(recipe.target(), build(model, recipe, planSeed, stepIndex));
        }
        return model.derive(after, grown);
    }

    private Tensor build(Model model, TensorRecipe recipe, long planSeed, int stepIndex) {
        Tensor source = recipe.source() == null ? null : model.tensor(recipe.source());
        if (source != null && !source.hasShape(recipe.oldShape())) {
            // a recipe may read its source with a unit axis added (a dense MLP weight read as one expert)
            source = source.reshape(recipe.oldShape());
        }
        if (recipe.isCopy()) {
            return source;
        }
        Tensor reference = recipe.statsFrom() == null ? null : model.tensor(recipe.statsFrom());
        DType base = source != null ? source.dtype() : reference != null ? reference.dtype() : model.dtypeOrDefault();
        Tensor out = Tensor.allocate(GrownDTypes.of(recipe, base), recipe.newShape());
        Fill fill = FillResolver.resolve(recipe, reference, planSeed, stepIndex);
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
