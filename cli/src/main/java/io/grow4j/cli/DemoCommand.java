package io.grow4j.cli;

import io.grow4j.kernels.forward.Generator;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.StepReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "demo", description = "Grow a model with every transformation, step by step, and show that its outputs"
        + " do not change. Without MODEL: two seeded built-in models (Llama-style and the paper's decoder).")
final class DemoCommand implements Callable<Integer> {
    /** Double-precision checks cost about 50× the float path: skip them past this size. */
    private static final long DOUBLE_CHECK_LIMIT = 20_000_000;
    private static final int CONTINUATION = 32;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "a model to grow instead of the built-in ones (default: none): " + Formats.MODELS_READ)
    Path model;

    @Option(names = "--plan", paramLabel = "PLAN", 
            description = "a YAML growth plan instead of the built-in one (default: every transformation once)")
    Path plan;

    @Option(names = "--out", paramLabel = "OUT",
            description = "also write the (last) grown model here (default: not written); its format is "
                    + Formats.MODELS_WRITTEN)
    Path out;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (out == null) {
            return demo(null);
        }
        try (OutputClaim claim = OutputClaim.newOnly(out, OutputClaim.Input.model(model),
                new OutputClaim.Input("the plan", plan))) {
            PlanException.throwIfAny(claim.problems()); // before the demo runs, not after
            return demo(claim);
        }
    }

    private int demo(OutputClaim claim) throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        boolean ok = true;
        Model grown = null;
        try (Forwards forwards = backend.forwards()) {
            if (model != null) {
                Model m = ModelFiles.read(model, stdout);
                grown = run(stdout, model.toString(), m, forwards);
                ok = grown != null;
            } else {
                Model llama = RandomModels.create(DemoPlans.llamaStyle(), DType.F32, 2026);
                grown = run(stdout, "built-in Llama-style model (seeded random weights)", llama, forwards);
                ok = grown != null;
                Model paper = RandomModels.create(DemoPlans.paperStyle(), DType.F32, 2023);
                Model grownPaper = run(stdout, "built-in paper-style decoder (seeded random weights)", paper, forwards);
                ok &= grownPaper != null;
            }
        }
        if (claim != null && grown != null) {
            Model written = grown;
            claim.write(temporary -> ModelFormats.forOutput(out).write(written, temporary));
            stdout.println("wrote the grown model to " + out);
        }
        stdout.println(ok ? "demo: every step preserved the function" : "demo: FAILED: a step changed the function");
        stdout.flush();
        return ok ? Grow4j.OK : Grow4j.CHECK_FAILED;
    }

    /** Grows one model step by step; returns the grown model, or null when any check failed. */
    private Model run(PrintWriter out, String name, Model original, Forwards forwards) throws Exception {
        GrowthPlan growthPlan = plan != null ? OptionFiles.plan(plan) : DemoPlans.forConfig(original.config());
        out.println();
        out.println("== " + name);
        out.printf("%s, hidden %d, %d layers, %d/%d heads, head size %d/%d, mlp %d: %,d parameters%n",
                original.config().architecture().id(), original.config().hidden(), original.config().layers(),
                original.config().attention().queryHeads(), original.config().attention().kvHeads(),
                original.config().attention().keySize(), original.config().attention().valueSize(),
                original.config().mlp().size(), original.parameterCount());
        out.println("plan:");
        PlanFiles.toYaml(growthPlan).lines().forEach(line -> out.println("  " + line));
        StepChecks checks = new StepChecks(original, forwards, original.parameterCount() <= DOUBLE_CHECK_LIMIT);
        Model grown = growStepByStep(out, original, growthPlan, checks);
        return continuationsMatch(out, original, grown, forwards) && checks.allPassed() ? grown : null;
    }

    private Model growStepByStep(PrintWriter out, Model original, GrowthPlan growthPlan, StepChecks checks) {
        Grower grower = new Grower(new CpuPadKernel());
        growthPlan.apply(original.config()); // validates the whole plan before any step runs
        out.printf("%-22s %13s %13s %9s %15s %15s%n", "step", "params before", "params after", "seconds",
                "max|Δ| f32 rel", "max|Δ| f64");
        Model current = original;
        Model currentDouble = checks.doubles() ? original.convertTo(DType.F64) : null;
        for (int i = 0; i < growthPlan.steps().size(); i++) {
            long start = System.nanoTime();
            Model next = grower.applyStep(current, growthPlan.steps().get(i), growthPlan.seed(), i);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (currentDouble != null) {
                currentDouble = grower.applyStep(currentDouble, growthPlan.steps().get(i), growthPlan.seed(), i);
            }
            StepReport r = new StepReport(growthPlan.label(i), current.parameterCount(), next.parameterCount(), seconds);
            out.printf("%-22s %,13d %,13d %9.4f %15s %15s%n", r.label(), r.parametersBefore(), r.parametersAfter(),
                    r.seconds(), checks.floatDiff(next), checks.doubleDiff(currentDouble));
            out.flush();
            current = next;
        }
        return current;
    }

    private static boolean continuationsMatch(PrintWriter out, Model original, Model grown, Forwards forwards) {
        int steps = Math.min(CONTINUATION, Math.min(original.config().maxSeqLen(), grown.config().maxSeqLen()));
        int[] before = greedy(forwards, original, steps);
        int[] after = greedy(forwards, grown, steps);
        boolean same = Arrays.equals(before, after);
        out.println("greedy from BOS, original: " + GenerateCommand.joinIds(before));
        out.println("greedy from BOS, grown:    " + GenerateCommand.joinIds(after));
        out.printf("grown model: %,d parameters (%.2f× the original); continuations identical: %s%n",
                grown.parameterCount(), (double) grown.parameterCount() / original.parameterCount(),
                same ? "yes" : "NO");
        return same;
    }

    private static int[] greedy(Forwards forwards, Model model, int steps) {
        try (Forwards.Forward forward = forwards.create(model)) {
            return Generator.greedy(forward.newSession(), steps);
        }
    }

    private static float[][] floatLogits(Forwards forwards, Model model, int[] tokens) {
        try (Forwards.Forward forward = forwards.create(model)) {
            return forward.logits(tokens);
        }
    }

    /** Logits of the original on fixed random sequences, compared with each grown model. */
    private static final class StepChecks {
        private static final double FLOAT_BOUND = 1e-5;
        private static final double DOUBLE_BOUND = 1e-12;
        private final int[] tokens;
        private final Forwards forwards;
        private final float[][] originalFloat;
        private final double[][] originalDouble;
        private boolean passed = true;

        StepChecks(Model original, Forwards forwards, boolean doubles) {
            this.forwards = forwards;
            SplittableRandom random = new SplittableRandom(99);
            tokens = new int[Math.min(24, original.config().maxSeqLen())];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(original.config().vocabSize());
            }
            originalFloat = floatLogits(forwards, original, tokens);
            originalDouble = doubles ? new ReferenceForward(original.convertTo(DType.F64)).logits(tokens) : null;
        }

        boolean doubles() {
            return originalDouble != null;
        }

        boolean allPassed() {
            return passed;
        }

        String floatDiff(Model grown) {
            float[][] logits = floatLogits(forwards, grown, tokens);
            double max = 0;
            double scale = 0;
            for (int t = 0; t < logits.length; t++) {
                for (int i = 0; i < logits[t].length; i++) {
                    max = Math.max(max, Math.abs((double) logits[t][i] - originalFloat[t][i]));
                    scale = Math.max(scale, Math.abs(originalFloat[t][i]));
                }
            }
            double relative = max / scale;
            passed &= relative <= FLOAT_BOUND;
            return String.format("%.2e", relative);
        }

        String doubleDiff(Model grownDouble) {
            if (grownDouble == null) {
                return "-";
            }
            double[][] logits = new ReferenceForward(grownDouble).logits(tokens);
            double max = 0;
            for (int t = 0; t < logits.length; t++) {
                for (int i = 0; i < logits[t].length; i++) {
                    max = Math.max(max, Math.abs(logits[t][i] - originalDouble[t][i]));
                }
            }
            passed &= max <= DOUBLE_BOUND;
            return String.format("%.2e", max);
        }
    }
}
