package io.grow4j.train;

import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny model trained, grown mid-run with its optimizer state, and trained on. */
class GrowthMidRunTest {
    /** Growth keeps the function; only float32 rounding of the rescaled gains and the wider sums may move it. */
    private static final double ROUNDING = 1e-5;

    @Test
    void lossIsKeptAcrossGrowthAndKeepsFalling() throws IOException {
        GrowthPlan plan = new GrowthPlan(11, List.of(new MlpExpansion(64), new HeadAddition(2, false),
                new HiddenExpansion(48), new LayerAddition(1, List.of())));
        for (GrowthMidRun.OptimizerState mode : GrowthMidRun.OptimizerState.values()) {
            assertGrowthKeepsTheLoss(TrainerTest.TINY, plan, mode);
        }
    }

    /**
     * Trains {@code config} for 60 steps on the built-in text, grown by {@code plan} at step 30: the loss right after
     * growth is the loss right before within float32 rounding, was learned before, and falls after.
     */
    static void assertGrowthKeepsTheLoss(TransformerConfig config, GrowthPlan plan, GrowthMidRun.OptimizerState mode)
            throws IOException {
        TextCorpus corpus = TextCorpus.split(TrainerTest.smallCorpus(), 5, 32);
        Trainer trainer = TrainerTest.trainer(config, corpus, TrainerTest.settings(60, 5));
        List<Trainer.LogEntry> log = trainer.run(Map.of(30, new GrowthMidRun(plan, mode)));
        Trainer.GrowthEntry growth = trainer.growths().getFirst();
        String what = config.architecture().id() + " " + plan.steps() + " " + mode;
        System.err.printf("%s: validation %.4f at step 0, %.6f before growth, %.6f after, %.4f at the end%n",
                what, log.getFirst().validationLoss(), growth.lossBefore(), growth.lossAfter(),
                log.getLast().validationLoss());
        assertEquals(plan.apply(config), trainer.state().params().config());
        assertEquals(growth.lossBefore(), growth.lossAfter(), ROUNDING * growth.lossBefore(), what + " growth");
        assertTrue(growth.lossBefore() < log.getFirst().validationLoss() - 1, what + " learned before growth");
        assertTrue(log.getLast().validationLoss() < growth.lossAfter(),
                what + ": validation loss " + log.getLast().validationLoss() + " at the end, "
                        + growth.lossAfter() + " right after growth");
    }

    /** The rate after a growth with a 4-step re-warm-up: 1/4, 2/4, 3/4, 4/4 of the schedule's, then the schedule. */
    @Test
    void reWarmUpRaisesTheRateAgainAfterGrowth() throws IOException {
        TextCorpus corpus = TextCorpus.split(TrainerTest.smallCorpus(), 5, 32);
        TrainingSettings settings = TrainerTest.settings(20, 5);
        GrowthPlan plan = new GrowthPlan(11, List.of(new MlpExpansion(64)));
        List<Trainer.LogEntry> log = TrainerTest.trainer(TrainerTest.TINY, corpus, settings)
                .run(Map.of(10, new GrowthMidRun(plan, GrowthMidRun.OptimizerState.CARRY, 4)));
        for (int step = 0; step < 20; step++) {
            double factor = step >= 10 && step < 14 ? (step - 9) / 4.0 : 1.0;
            assertEquals(settings.schedule().rate(step) * factor, log.get(step).learningRate(), 0.0, "step " + step);
        }
    }
}
