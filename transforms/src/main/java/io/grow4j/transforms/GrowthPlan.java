package io.grow4j.transforms;

import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.List;

/**
 * A seed and an ordered list of steps. The seed fixes every "arbitrary" entry, whatever runs the plan.
 * {@code allowInexact} is the run's consent to steps that change the function (stacking); it is no part of the plan
 * file, so a plan never carries it from one run to another.
 */
public record GrowthPlan(long seed, List<GrowthStep> steps, boolean allowInexact) {
    public static final int FORMAT_VERSION = 1;

    public GrowthPlan {
        steps = List.copyOf(steps);
    }

    public GrowthPlan(long seed, List<GrowthStep> steps) {
        this(seed, steps, false);
    }

    /** The same plan, its inexact steps allowed. */
    public GrowthPlan allowingInexact() {
        return new GrowthPlan(seed, steps, true);
    }

    /** Whether some step changes the function. */
    public boolean hasInexactSteps() {
        return steps.stream().anyMatch(s -> !s.exact());
    }

    /**
     * Every problem of the whole plan against a starting config, each prefixed with its step ("step 3 (hidden): ...").
     * A step with problems is skipped so that the later steps are still checked against a config.
     */
    public List<String> problems(TransformerConfig start) {
        return check(start).problems();
    }

    /**
     * The plan's problems and the config after every step that has none ({@link #problems}): with problems, what an
     * output format is still asked to hold, so that its refusals are reported with the plan's own in one error rather
     * than after the plan is fixed.
     *
     * @param problems      as {@link #problems}
     * @param config        the start config grown by the steps without problems (all of them when none has)
     * @param skippedSteps  how many steps were left out of {@code config} for their problems
     */
    public record Check(List<String> problems, TransformerConfig config, int skippedSteps) {
        public Check {
            problems = List.copyOf(problems);
        }

        /**
         * {@code output} ("output DIR (hf-directory)") as the label of the format's refusals of {@link #config}: it
         * says when steps were left out, as a refusal may then go with the steps that were fixed.
         */
        public String outputLabel(String output) {
            return output + (skippedSteps == 0 ? "" : " (grown by the steps without problems)");
        }
    }

    /** {@link #problems} and the config of the steps without problems, in one walk through the plan. */
    public Check check(TransformerConfig start) {
        List<String> problems = new ArrayList<>();
        TransformerConfig config = start;
        int skipped = 0;
        for (int i = 0; i < steps.size(); i++) {
            GrowthStep step = steps.get(i);
            List<String> stepProblems = step.problems(config);
            if (!step.exact() && !allowInexact) {
                problems.add(label(i) + ": " + step.kind() + " changes the function (copied blocks add their output"
                        + " again), so it runs only when inexact steps are allowed (grow --allow-inexact), which then"
                        + " measures the change");
            }
            for (String p : stepProblems) {
                problems.add(label(i) + ": " + p);
            }
            if (stepProblems.isEmpty()) {
                try {
                    config = step.apply(config);
                } catch (IllegalArgumentException e) {
                    // The grown config breaks a limit of its own (an axis past the largest array): the step's sizes.
                    problems.add(label(i) + ": " + step.fields() + " gives " + e.getMessage());
                    skipped++;
                }
            } else {
                skipped++;
            }
        }
        return new Check(problems, config, skipped);
    }

    /** The config after all steps; the plan must be valid for start. */
    public TransformerConfig apply(TransformerConfig start) {
        PlanException.throwIfAny(problems(start));
        TransformerConfig config = start;
        for (GrowthStep step : steps) {
            config = step.apply(config);
        }
        return config;
    }

    public String label(int index) {
        return "step " + (index + 1) + " (" + steps.get(index).kind() + ")";
    }
}
