package io.grow4j.train;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.TensorRecipe;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;
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
            checkEveryStep(TinyModels.llama(13, 8, 2, 6, layout, layout == RopeLayout.HALF_SPLIT),
                    GrowthSteps.everyKind());
        }
    }

    /**
     * GPT-2's steps (its MLP starts at 4 × hidden): mean-fill hidden growth scales the LayerNorm gains by √(h/h')
     * and leaves their biases and the readers' biases unscaled. The writers (embeddings, Wo, Wdown and their biases)
     * are mean-filled, which the rule does not cover ({@link MomentGrowth} resets their moments).
     */
    @Test
    void gpt2OldEntriesGradientsAreTheOldOnesOverTheScale() {
        checkEveryStep(TinyModels.gpt2(13, 8, 2, 6, true), List.of(new MlpExpansion(40),
                new HeadAddition(2, false), new HeadDimExpansion(4), new HiddenExpansion(12),
                new LayerAddition(1, List.of(1))));
    }

    /**
     * OLMo-2's post-branch norms and whole-projection QK-norm: hidden growth scales the gains of the norms on the
     * branch outputs too; head-size growth duplicates Wq and q_norm entries, which MomentGrowth resets.
     */
    @Test
    void olmo2OldEntriesGradientsAreTheOldOnesOverTheScale() {
        checkEveryStep(TinyModels.olmo2(13, 8, 2, 6), GrowthSteps.everyKind());
    }

    /** Qwen3's per-head QK-norm (2 query heads on one kv group of 4 dims). */
    @Test
    void qwen3OldEntriesGradientsAreTheOldOnesOverTheScale() {
        checkEveryStep(TinyModels.qwen3(13, 8, 2, 6), List.of(new MlpExpansion(20), new HeadAddition(2, false),
                new HeadDimExpansion(8), new HiddenExpansion(12), new LayerAddition(1, List.of(1))));
    }

    /** GPT-NeoX's parallel residual, partial rotary and LayerNorm with biases (mean-fill hidden growth, as GPT-2). */
    @Test
    void neoxOldEntriesGradientsAreTheOldOnesOverTheScale() {
        checkEveryStep(TinyModels.neox(13, 8, 2, 6, true), List.of(new MlpExpansion(40),
                new HeadAddition(2, false), new HeadDimExpansion(8), new HiddenExpansion(12),
                new LayerAddition(1, List.of(1))));
    }

    private static void checkEveryStep(TransformerConfig config, List<GrowthStep> steps) {
        Model model = RandomModels.create(config, DType.F64, 41);
        int[][] inputs = TinyModels.tokens(2, 6, 13, 42);
        int[][] targets = TinyModels.tokens(2, 6, 13, 43);
        Map<TensorKey, double[]> before = new ReferenceTraining(config)
                .run(ReferenceTraining.weightsOf(model), inputs, targets, true).gradients();
        for (GrowthStep step : steps) {
            TransformerConfig after = step.apply(config);
            Model grown = new Grower(new CpuPadKernel()).applyStep(model, step, 9, 0);
            Map<TensorKey, double[]> gradients = new ReferenceTraining(after)
                    .run(ReferenceTraining.weightsOf(grown), inputs, targets, true).gradients();
            boolean scaled = false;
            for (TensorRecipe recipe : step.recipes(config, after)) {
                // the tensors whose moments MomentGrowth carries; it resets the rest, where the rule fails (mean
                // fill holds the function only on new = mean(old); duplicated entries, as head-size growth under
                // QK-norm gives Wq and the QK-norm gains, share their gradients in ways the map does not say)
                if (MomentGrowth.carries(recipe)) {
                    // the key bias's gradient is zero but for rounding (GradientErrors): judged on the model's scale
                    double floor = recipe.target().role() == Role.BK ? largest(before) : 0;
                    check(recipe, before.get(recipe.source()), gradients.get(recipe.target()), floor,
                            config.architecture().id() + " " + config.positions() + " " + step.kind() + " " + step
                                    + " " + recipe.target());
                    scaled |= recipe.scale() != 1.0;
                }
            }
            if (step.kind().equals("hidden")) {
                assertTrue(scaled, "hidden growth rescales the norm gains, so the 1/c rule is exercised");
            }
        }
    }

    private static double largest(Map<TensorKey, double[]> gradients) {
        double largest = 0;
        for (double[] g : gradients.values()) {
            for (double v : g) {
                largest = Math.max(largest, Math.abs(v));
            }
        }
        return largest;
    }

    /**
     * Walks the new tensor's indices; entries whose every axis maps to an old index are compared, relative to the
     * largest old gradient of the tensor or {@code floor}, whichever is larger.
     */
    private static void check(TensorRecipe recipe, double[] old, double[] grown, double floor, String what) {
        long[] shape = recipe.newShape();
        double scale = floor;
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
