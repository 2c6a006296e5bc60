package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The issue-11 experiment for one seed, at equal compute: (a) the big model, {@code plan} applied to {@code small}'s
 * config (so its shape and its norm epsilon, which hidden growth rescales, are the grown model's exactly), trained
 * from scratch for the settings' steps; (b) the small model trained on the same windows, grown by {@code plan} before
 * each variant's growth step and trained on until it has spent the scratch run's FLOPs (so it sees more tokens, as
 * its early steps are cheaper), with its learning-rate schedule stretched over its own steps. The target is the
 * scratch run's final validation loss; each run's FLOPs to reach it are {@link #flopsToTarget interpolated}
 * between evaluations, and each run's final loss compares with scratch's at the same FLOPs.
 */
public record ProgressiveExperiment(TransformerConfig small, GrowthPlan plan, TrainingSettings settings,
                                    List<Variant> variants) {
    /**
     * One progressive run: where it grows, what happens to the AdamW state, and over how many steps the learning
     * rate climbs again after the growth (0: none).
     */
    public record Variant(String name, int growAt, GrowthMidRun.OptimizerState optimizerState, int rewarmSteps) {
    }

    /** A run's log, its FLOPs to the target (NaN when it never reaches it) and the total it spent. */
    public record Run(String name, List<Trainer.LogEntry> log, double flopsToTarget, double totalFlops) {
    }

    /** One seed's runs: scratch first, then the variants in order. */
    public record Outcome(long seed, double target, List<Run> runs) {
    }

    public ProgressiveExperiment {
        PlanException.throwIfAny(plan.problems(small));
        TrainingSupport.check(small);
        TrainingSupport.check(plan.apply(small));
        for (Variant v : variants) {
            if (v.growAt() <= 0 || v.growAt() >= settings.steps()) {
                throw new IllegalArgumentException("variant " + v.name() + ": growth at step " + v.growAt()
                        + " is outside the run's steps 1.." + (settings.steps() - 1));
            }
        }
    }

    /** The model the plan grows the small one into, trained from scratch for comparison. */
    public TransformerConfig big() {
        return plan.apply(small);
    }

    /** Runs scratch and every variant for one seed (weights and windows), reporting each run as it ends. */
    public Outcome run(TextCorpus corpus, long seed, KernelBackend backend, Consumer<Run> done) {
        List<Trainer.LogEntry> scratch = new Trainer(InitialWeights.create(big(), seed), corpus,
                settings(settings.steps(), seed), backend).run(Map.of());
        double target = scratch.getLast().validationLoss();
        List<Run> runs = new ArrayList<>();
        runs.add(run("scratch", scratch, target));
        done.accept(runs.getLast());
        for (Variant v : variants) {
            List<Trainer.LogEntry> log = new Trainer(InitialWeights.create(small, seed), corpus,
                    settings(steps(v), seed), backend)
                    .run(Map.of(v.growAt(), new GrowthMidRun(plan, v.optimizerState(), v.rewarmSteps())));
            runs.add(run(v.name(), log, target));
            done.accept(runs.getLast());
        }
        return new Outcome(seed, target, runs);
    }

    /**
     * A variant's steps: its small-model steps, then big-model steps until its FLOPs reach the scratch run's (the
     * last step may pass them by less than one big step).
     */
    public int steps(Variant v) {
        double budget = settings.steps() * flopsPerStep(big());
        double left = budget - v.growAt() * flopsPerStep(small);
        return v.growAt() + (int) Math.ceil(left / flopsPerStep(big()));
    }

    /** Training FLOPs of one step of a model, counted as {@link Trainer} counts them. */
    private double flopsPerStep(TransformerConfig config) {
        TrainingPass pass = new TrainingPass(config, null);
        return 3.0 * (pass.matmulFlopsPerToken() + pass.attentionFlopsPerToken(settings.context()))
                * settings.batch() * settings.context();
    }

    /** The settings for a run of {@code steps} steps: the same peak, floor and warm-up, the cosine over its steps. */
    private TrainingSettings settings(int steps, long seed) {
        LearningRateSchedule s = settings.schedule();
        return new TrainingSettings(steps, settings.batch(), settings.context(),
                new LearningRateSchedule(s.peak(), s.minimum(), s.warmupSteps(), steps), settings.optimizer(), seed,
                settings.evalEvery(), settings.evalBatches());
    }

    private static Run run(String name, List<Trainer.LogEntry> log, double target) {
        return new Run(name, log, flopsToTarget(log, target), log.getLast().flops());
    }

    /**
     * FLOPs at which the validation loss first reaches {@code target}, linear between the two evaluations around
     * the crossing (the loss is only known there); NaN when no evaluation reaches it. An entry's validation loss is
     * measured before its step, so it belongs to the FLOPs counted up to the previous entry.
     */
    public static double flopsToTarget(List<Trainer.LogEntry> log, double target) {
        double previousFlops = Double.NaN;
        double previousLoss = Double.NaN;
        for (int i = 0; i < log.size(); i++) {
            Trainer.LogEntry e = log.get(i);
            if (Double.isNaN(e.validationLoss())) {
                continue;
            }
            double flops = i == log.size() - 1 ? e.flops() : i == 0 ? 0 : log.get(i - 1).flops();
            if (e.validationLoss() <= target) {
                if (Double.isNaN(previousLoss)) {
                    return flops;
                }
                double t = (previousLoss - target) / (previousLoss - e.validationLoss());
                return previousFlops + t * (flops - previousFlops);
            }
            previousFlops = flops;
            previousLoss = e.validationLoss();
        }
        return Double.NaN;
    }
}
