package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.LayerStacking;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SOLAR / G_stack depth up-scaling: whole blocks copied, so the function changes and a plan must allow it. */
class LayerStackingTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    static TransformerConfig llama4() {
        return TestConfigs.llama(RopeLayout.HALF_SPLIT, false).withLayers(4);
    }

    /**
     * Gemma 2's sliding and full layers: the copies keep their blocks' types (0 1 2 | 1 2 | 3 gives S F S F S F).
     * Stacking threw IllegalStateException ("say which type each of 6 layers has") for any family whose layers
     * differ, and the CLI printed that text as the error.
     */
    @Test
    void copiedBlocksKeepTheirLayerTypes() {
        var s = AttentionShape.LayerAttention.SLIDING;
        var f = AttentionShape.LayerAttention.FULL;
        TransformerConfig gemma2 = new TransformerConfig(Architecture.GEMMA2, 64, 32, 4, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.GEGLU_TANH, false), 1e-6,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT), true, 0, false,
                new AttentionShape(8, 50, 30, 4, 0, List.of(s, f, s, f)));
        Model model = RandomModels.create(gemma2, DType.F64, 2);
        Model stacked = GROWER.grow(model, new GrowthPlan(1, List.of(new LayerStacking(1, 3, 3))).allowingInexact());
        assertEquals(List.of(s, f, s, f, s, f), stacked.config().attentionShape().layerTypes());
        assertEquals(-1L, model.tensor(Role.WQ, 2).data().mismatch(stacked.tensor(Role.WQ, 4).data()));
    }

    @Test
    void stackingIsRefusedUnlessThePlanAllowsInexactSteps() {
        GrowthPlan plan = new GrowthPlan(1, List.of(new LayerStacking(1, 3, 3)));
        assertTrue(plan.hasInexactSteps());
        assertEquals(List.of("step 1 (stack): stack changes the function (copied blocks add their output again), so it"
                + " runs only when inexact steps are allowed (grow --allow-inexact), which then measures the change"),
                plan.problems(llama4()));
        Model model = RandomModels.create(llama4(), DType.F64, 2);
        assertThrows(PlanException.class, () -> GROWER.grow(model, plan));
        assertEquals(List.of(), plan.allowingInexact().problems(llama4()));
        assertFalse(new GrowthPlan(1, List.of(new LayerAddition(1, List.of()))).hasInexactSteps());
    }

    /** Layers 1 and 2 copied whole to positions 3 and 4: 0 1 2 | 1 2 | 3. The logits change. */
    @Test
    void theRangeIsCopiedWholeAtItsPositionAndTheLogitsMove() {
        Model model = RandomModels.create(llama4(), DType.F64, 2);
        Model stacked = GROWER.grow(model, new GrowthPlan(1, List.of(new LayerStacking(1, 3, 3))).allowingInexact());
        assertEquals(6, stacked.config().layers());
        int[] origin = {0, 1, 2, 1, 2, 3};
        for (int layer = 0; layer < origin.length; layer++) {
            for (Role role : List.of(Role.WQ, Role.WO, Role.W_DOWN, Role.MLP_NORM)) {
                assertEquals(-1L, model.tensor(role, origin[layer]).data().mismatch(stacked.tensor(role, layer).data()),
                        role + " of layer " + layer + " copies old layer " + origin[layer]);
            }
        }
        int[] tokens = Logits.randomTokens(model.config().vocabSize(), 10, 3);
        double change = Logits.maxDiffDouble(model, stacked, tokens);
        assertTrue(change > 1e-3, "stacking moved the logits by only " + change);
    }

    @Test
    void badRangesAreRefusedWithTheReason() {
        GrowthPlan plan = new GrowthPlan(1, List.of(new LayerStacking(2, 6, 5), new LayerStacking(3, 3, 0)))
                .allowingInexact();
        assertEquals(List.of("step 1 (stack): layers [2, 6] is no range of the model's layers: start must be below end,"
                        + " within 0..4 (end exclusive)", "step 1 (stack): at 5 is outside 0..4 (where the copies start"
                        + " in the grown model)", "step 2 (stack): layers [3, 3] is no range of the model's layers:"
                        + " start must be below end, within 0..4 (end exclusive)"),
                plan.problems(llama4()));
    }

    @Test
    void planFilesReadStackWithAtDefaultingToTheRangesEnd() {
        GrowthPlan plan = PlanFiles.parse("steps:\n  - stack: {layers: [0, 2]}\n  - stack: {layers: [1, 2], at: 0}\n",
                "p.yaml");
        assertEquals(List.of(new LayerStacking(0, 2, 2), new LayerStacking(1, 2, 0)), plan.steps());
        assertEquals(plan, PlanFiles.parse(PlanFiles.toYaml(plan), "written"));
        PlanException e = assertThrows(PlanException.class,
                () -> PlanFiles.parse("steps:\n  - stack: {layers: [0, 2, 4]}\n", "bad.yaml"));
        assertEquals(List.of("step 1 (stack): layers must be [start, end], two integers, got 3"), e.problems());
    }
}
