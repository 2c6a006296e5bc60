package io.grow4j.cli;

import io.grow4j.train.AdamW;
import io.grow4j.train.LearningRateSchedule;
import io.grow4j.train.ProgressiveExperiment;
import io.grow4j.train.Trainer;
import io.grow4j.train.TrainingSettings;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training benchmark's sizes and its report's arithmetic (the runs themselves: ProgressiveExperimentTest). */
class TrainingBenchCommandTest {
    /** The issue asks for a small model of about a quarter of the big one's parameters; the plan reaches it. */
    @Test
    void bothSizesGrowAQuarterSizeModelIntoTheBigOne() {
        for (boolean quick : List.of(true, false)) {
            TrainingBenchCommand.Size size = TrainingBenchCommand.size(quick);
            ProgressiveExperiment experiment = new ProgressiveExperiment(size.small(), size.plan(), settings(size),
                    size.variants());
            double ratio = (double) size.small().parameterCount() / experiment.big().parameterCount();
            assertTrue(ratio > 0.2 && ratio < 0.3, size.name() + ": small / big parameters " + ratio);
            assertEquals(2 * size.small().hidden(), experiment.big().hidden());
            assertEquals(size.small().layers() + 1, experiment.big().layers());
        }
    }

    /** Savings against scratch's FLOPs to target; a run that never reaches it counts in neither median nor range. */
    @Test
    void tablesGiveSavingsPerSeedAndTheirMedianAndRange() {
        TrainingBenchCommand.Size size = TrainingBenchCommand.size(true);
        ProgressiveExperiment experiment = new ProgressiveExperiment(size.small(), size.plan(), settings(size),
                size.variants());
        List<ProgressiveExperiment.Outcome> outcomes = List.of(outcome(1, 100, 40), outcome(2, 200, 150),
                outcome(3, 100, Double.NaN));
        StringWriter text = new StringWriter();
        new TrainingBenchReport("quick", experiment, outcomes, 1).printTables(new PrintWriter(text));
        String out = text.toString();
        assertTrue(out.contains("| 1 | carry | 1.9000 | -0.1000 | 5.000e+01 | 4.000e+01 | +60.0 % |"), out);
        assertTrue(out.contains("| 2 | carry | 2.1000 | +0.1000 | 5.000e+01 | 1.500e+02 | +25.0 % |"), out);
        assertTrue(out.contains("| 3 | carry | 2.2000 | +0.2000 | 5.000e+01 | not reached | not reached |"), out);
        assertTrue(out.contains("| carry | 2 of 3 | +42.5 % | +25.0 % .. +60.0 % | 2.1000 | +0.1000 (-0.1000 .. +0.2000) |"),
                out);
    }

    private static TrainingSettings settings(TrainingBenchCommand.Size size) {
        return new TrainingSettings(size.steps(), size.batch(), size.context(),
                new LearningRateSchedule(1e-2, 1e-3, 1, size.steps()), AdamW.Settings.defaults(), 1, 10, 1);
    }

    /** Scratch ends at 2.0; carry at 1.9, 2.1 and 2.2 for seeds 1, 2 and 3. */
    private static ProgressiveExperiment.Outcome outcome(long seed, double scratchToTarget, double carryToTarget) {
        double carryLoss = seed == 1 ? 1.9 : seed == 2 ? 2.1 : 2.2;
        return new ProgressiveExperiment.Outcome(seed, 2.0, List.of(
                new ProgressiveExperiment.Run("scratch", finalLoss(2.0), scratchToTarget, 50),
                new ProgressiveExperiment.Run("carry", finalLoss(carryLoss), carryToTarget, 50)));
    }

    private static List<Trainer.LogEntry> finalLoss(double loss) {
        return List.of(new Trainer.LogEntry(1, 10, 50, Double.NaN, loss, Double.NaN, Double.NaN));
    }
}
