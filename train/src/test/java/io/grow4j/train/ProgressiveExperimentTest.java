package io.grow4j.train;

import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressiveExperimentTest {
    private static final TransformerConfig SMALL = TinyModels.llama(ByteTokenizer.VOCAB_SIZE, 16, 1, 32,
            RopeLayout.HALF_SPLIT, true);
    private static final GrowthPlan PLAN = new GrowthPlan(5, List.of(new MlpExpansion(49), new HiddenExpansion(32),
            new LayerAddition(1, List.of())));

    private static Trainer.LogEntry entry(int step, double flops, double validation) {
        return new Trainer.LogEntry(step, step * 10L, flops, 1, validation, 1e-3, 1);
    }

    /** Entry i's validation loss is measured before step i, so it sits at the FLOPs counted through step i - 1. */
    @Test
    void flopsToTargetInterpolatesBetweenEvaluations() {
        List<Trainer.LogEntry> log = List.of(entry(0, 100, 5.0), entry(1, 200, Double.NaN), entry(2, 300, 3.0),
                entry(3, 400, Double.NaN), entry(4, 400, 2.0));
        assertEquals(0, ProgressiveExperiment.flopsToTarget(log, 5.5));
        assertEquals(100, ProgressiveExperiment.flopsToTarget(log, 4.0), 1e-9);
        assertEquals(200, ProgressiveExperiment.flopsToTarget(log, 3.0), 1e-9);
        assertEquals(300, ProgressiveExperiment.flopsToTarget(log, 2.5), 1e-9);
        assertTrue(Double.isNaN(ProgressiveExperiment.flopsToTarget(log, 1.0)));
    }

    /** The same FLOPs (to within one big step), so the progressive run sees more tokens; growth keeps the loss. */
    @Test
    void theProgressiveRunSpendsTheScratchRunsFlopsOnMoreTokens() throws IOException {
        ProgressiveExperiment.Variant carry = new ProgressiveExperiment.Variant("carry", 15,
                GrowthMidRun.OptimizerState.CARRY, 3);
        ProgressiveExperiment experiment = new ProgressiveExperiment(SMALL, PLAN, TrainerTest.settings(30, 1),
                List.of(carry));
        ProgressiveExperiment.Outcome outcome = experiment.run(TextCorpus.split(TrainerTest.smallCorpus(), 5, 32), 4,
                TrainerTest.CPU, run -> { });
        ProgressiveExperiment.Run scratch = outcome.runs().get(0);
        ProgressiveExperiment.Run grown = outcome.runs().get(1);
        assertEquals(scratch.log().getLast().validationLoss(), outcome.target());
        assertTrue(scratch.flopsToTarget() <= scratch.totalFlops());
        int steps = experiment.steps(carry);
        assertEquals(steps, grown.log().getLast().step());
        assertTrue(steps > 30, "steps " + steps);
        double bigStep = scratch.totalFlops() / 30;
        assertTrue(grown.totalFlops() >= scratch.totalFlops() && grown.totalFlops() < scratch.totalFlops() + bigStep,
                grown.totalFlops() + " vs " + scratch.totalFlops());
        assertTrue(grown.log().getLast().tokens() > scratch.log().getLast().tokens());
        // the re-warm-up: the first step after growth runs at a third of the schedule's rate
        Trainer.LogEntry first = grown.log().get(15);
        assertEquals(15, first.step());
        assertTrue(first.learningRate() < grown.log().get(14).learningRate() / 2, first + " after "
                + grown.log().get(14));
    }

    @Test
    void aGrowthOutsideTheRunIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProgressiveExperiment(
                SMALL, PLAN, TrainerTest.settings(30, 1),
                List.of(new ProgressiveExperiment.Variant("late", 30, GrowthMidRun.OptimizerState.CARRY, 0))));
        assertEquals("variant late: growth at step 30 is outside the run's steps 1..29", e.getMessage());
    }
}
