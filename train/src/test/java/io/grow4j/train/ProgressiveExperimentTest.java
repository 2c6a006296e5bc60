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

    @Test
    void bothRunsSeeTheSameTokensAndTheProgressiveOneSpendsLess() throws IOException {
        ProgressiveExperiment experiment = new ProgressiveExperiment(SMALL, PLAN, TrainerTest.settings(30, 1),
                List.of(new ProgressiveExperiment.Variant("carry", 15, GrowthMidRun.OptimizerState.CARRY)));
        ProgressiveExperiment.Outcome outcome = experiment.run(TextCorpus.split(TrainerTest.smallCorpus(), 5, 32), 4,
                TrainerTest.CPU, run -> { });
        ProgressiveExperiment.Run scratch = outcome.runs().get(0);
        ProgressiveExperiment.Run carry = outcome.runs().get(1);
        assertEquals(scratch.log().getLast().validationLoss(), outcome.target());
        assertTrue(scratch.flopsToTarget() <= scratch.totalFlops());
        assertEquals(scratch.log().getLast().tokens(), carry.log().getLast().tokens());
        assertTrue(carry.totalFlops() < scratch.totalFlops(), carry.totalFlops() + " vs " + scratch.totalFlops());
    }

    @Test
    void aGrowthOutsideTheRunIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProgressiveExperiment(
                SMALL, PLAN, TrainerTest.settings(30, 1),
                List.of(new ProgressiveExperiment.Variant("late", 30, GrowthMidRun.OptimizerState.CARRY))));
        assertEquals("variant late: growth at step 30 is outside the run's steps 1..29", e.getMessage());
    }
}
