package io.grow4j.train;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.TensorRecipe;
import io.grow4j.transforms.steps.GrowthStep;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The rule MomentGrowth rests on, checked in double precision for every step kind: after a function-preserving step,
 * the gradient of every old entry, moved by the recipe's axis maps, is the old gradient divided by the recipe's scale.
 */
class GradientScalingTest {
    @Test
    void oldEntriesGradientsAreTheOldOnesOverTheScale() {
        for (RopeLayout layout : RopeLayout.values()) {
            TransformerConfig config = TinyModels.llama(13, 8, 2, 6, layout, layout == RopeLayout.HALF_SPLIT);
            Model model = RandomModels.create(config, DType.F64, 41);
            int[][] inputs = TinyModels.tokens(2, 6, 13, 42);
            int[][] targets = TinyModels.tokens(2, 6, 13, 43);
            Map<TensorKey, double[]> before = new ReferenceTraining(config)
                    .run(ReferenceTraining.weightsOf(model), inputs, targets, true).gradients();
            for (GrowthStep step : GrowthSteps.everyKind()) {
                TransformerConfig after = step.apply(config);
                Model grown = new Grower(new CpuPadKernel()).applyStep(model, step, 9, 0);
                Map<TensorKey, double[]> gradients = new ReferenceTraining(after)
                        .run(ReferenceTraining.weightsOf(grown), inputs, targets, true).gradients();
                boolean scaled = false;
                for (TensorRecipe recipe : step.recipes(config, after)) {
                    if (recipe.source() != null) {
                        check(recipe, before.get(recipe.source()), gradients.get(recipe.target()),
                                layout + " " + step.kind() + " " + step + " " + recipe.target());
                        scaled |= recipe.scale() != 1.0;
                    }
                }
                if (step.kind().equals("hidden")) {
                    assertTrue(scaled, "hidden growth rescales the norm gains, so the 1/c rule is exercised");
                }
            }
        }
    }

    /** Walks the new tensor's indices; entries whose every axis maps to an old index are compared. */
    private static void check(TensorRecipe recipe, double[] old, double[] grown, String what) {
        long[] shape = recipe.newShape();
        double scale = 0;
        double worst = 0;
        for (int flat = 0; flat < grown.length; flat++) {
            int rest = flat;
            long oldFlat = 0;
            long stride = 1;
            boolean mapped = true;
            for (int a = shape.length - 1; a >= 0; a--) {
                int i = (int) (rest % shape[a]);
                rest /= (int) shape[a];
                int o = recipe.newToOld()[a][i];
                mapped &= o >= 0;
                oldFlat += o * stride;
                stride *= recipe.oldShape()[a];
            }
            if (mapped) {
                double want = old[(int) oldFlat];
                scale = Math.max(scale, Math.abs(want));
                worst = Math.max(worst, Math.abs(grown[flat] * recipe.scale() - want));
            }
        }
        if (!(worst <= 1e-9 * scale)) {
            fail(what + ": gradient × scale differs from the old gradient by " + worst + " (largest " + scale + ")");
        }
    }
}
