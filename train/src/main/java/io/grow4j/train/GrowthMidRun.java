package io.grow4j.train;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.TensorRecipe;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.List;

/**
 * A growth plan applied mid-run to the weights (by {@link Grower}, the same recipes as offline growth) and to the
 * AdamW state. {@link OptimizerState#CARRY}: moments follow their weights ({@link MomentGrowth}) and the step count,
 * hence the bias correction, carries on; {@link OptimizerState#RESET}: zero moments and step 0, as a fresh optimizer.
 * {@code rewarmSteps}: the learning-rate re-warm-up after it ({@link Trainer.Growth#rewarmSteps}), 0 for none.
 */
public record GrowthMidRun(GrowthPlan plan, OptimizerState optimizerState, int rewarmSteps)
        implements Trainer.Growth {
    public enum OptimizerState { CARRY, RESET }

    public GrowthMidRun {
        if (rewarmSteps < 0) {
            throw new IllegalArgumentException("re-warm-up steps must be >= 0, got " + rewarmSteps);
        }
    }

    /** Without re-warm-up. */
    public GrowthMidRun(GrowthPlan plan, OptimizerState optimizerState) {
        this(plan, optimizerState, 0);
    }

    @Override
    public Trainer.State apply(Trainer.State state) {
        Model model = state.params().toModel(DType.F32);
        PlanException.throwIfAny(plan.problems(model.config()));
        TrainingSupport.check(plan.apply(model.config()));
        Grower grower = new Grower(new CpuPadKernel());
        Parameters first = state.optimizer().first();
        Parameters second = state.optimizer().second();
        for (int i = 0; i < plan.steps().size(); i++) {
            GrowthStep step = plan.steps().get(i);
            TransformerConfig before = model.config();
            TransformerConfig after = step.apply(before);
            List<TensorRecipe> recipes = step.recipes(before, after);
            model = grower.applyStep(model, step, plan.seed(), i);
            if (optimizerState == OptimizerState.CARRY) {
                first = MomentGrowth.grow(first, recipes, after, 1);
                second = MomentGrowth.grow(second, recipes, after, 2);
            }
        }
        AdamW.Settings settings = state.optimizer().settings();
        AdamW optimizer = optimizerState == OptimizerState.CARRY
                ? new AdamW(settings, first, second, state.optimizer().step())
                : AdamW.fresh(settings, model.config());
        return new Trainer.State(Parameters.of(model), optimizer);
    }
}
