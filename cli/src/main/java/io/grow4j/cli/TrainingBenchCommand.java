package io.grow4j.cli;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.train.AdamW;
import io.grow4j.train.ByteTokenizer;
import io.grow4j.train.GrowthMidRun.OptimizerState;
import io.grow4j.train.LearningRateSchedule;
import io.grow4j.train.ProgressiveExperiment;
import io.grow4j.train.ProgressiveExperiment.Variant;
import io.grow4j.train.TextCorpus;
import io.grow4j.train.TrainingSettings;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grow4j bench training}: the compute progressive training saves ({@link ProgressiveExperiment}) on a text
 * corpus with the byte tokenizer, over several seeds: a llama-style model trained from scratch against a model of
 * about a fifth of its parameters trained on the same tokens and grown into it mid-run by a four-step plan (MLP,
 * heads, hidden size, layers).
 */
@Command(name = "training", description = {"Progressive training against training from scratch: FLOPs to reach the"
        + " scratch run's final validation loss, per seed and growth variant (optimizer state carried or reset, grown"
        + " at a quarter or half of the steps).",
        "Full: a 0.57 M-parameter model grown from 0.11 M, 300 steps of 8 x 64 tokens; --quick: 0.11 M from 0.02 M,"
                + " 150 steps, carry at half only."})
final class TrainingBenchCommand implements Callable<Integer> {
    @Option(names = "--corpus", required = true, paramLabel = "TEXT", description = "a UTF-8 text (e.g. austen.txt)")
    Path corpus;

    @Option(names = "--quick", description = "smaller models and fewer steps, about a minute on an idle 2-core machine")
    boolean quick;

    @Option(names = "--seeds", defaultValue = "3",
            description = "seeds (weights and windows) (default ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--json", paramLabel = "FILE", description = "also write every run's log and the summary as JSON")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "also draw validation loss against FLOPs")
    Path plot;

    @Spec
    CommandSpec spec;

    /** One size of the experiment: the small model, the plan that grows it, steps, batch and context. */
    record Size(String name, TransformerConfig small, GrowthPlan plan, int steps, int batch, int context,
                List<Variant> variants) {
    }

    /**
     * Sized for the 2-core machine: the full run is about 9 scratch runs' worth of FLOPs (scratch, carry at 1/4 and
     * 1/2, reset at 1/2 for each of 3 seeds), 4.8 TFLOP, under 30 minutes at the 4.4 GFLOP/s the quick run reached
     * with other builds sharing the cores.
     */
    static Size size(boolean quick) {
        int hidden = quick ? 32 : 64;
        int layers = quick ? 1 : 2;
        int steps = quick ? 150 : 300;
        int context = 64;
        TransformerConfig small = new TransformerConfig(Architecture.LLAMA, ByteTokenizer.VOCAB_SIZE, hidden, layers,
                context, new AttentionConfig(hidden / 16, hidden / 32, 16, 16, false),
                new MlpConfig(hidden * 8 / 3, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), true);
        GrowthPlan plan = new GrowthPlan(17, List.of(new MlpExpansion(2 * small.mlp().size()),
                new HeadAddition(hidden / 16, false), new HiddenExpansion(2 * hidden),
                new LayerAddition(1, List.of())));
        List<Variant> variants = quick ? List.of(new Variant("carry@1/2", steps / 2, OptimizerState.CARRY))
                : List.of(new Variant("carry@1/4", steps / 4, OptimizerState.CARRY),
                        new Variant("carry@1/2", steps / 2, OptimizerState.CARRY),
                        new Variant("reset@1/2", steps / 2, OptimizerState.RESET));
        return new Size(quick ? "quick" : "full", small, plan, steps, 8, context, variants);
    }

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        Size size = size(quick);
        TrainingSettings settings = new TrainingSettings(size.steps(), size.batch(), size.context(),
                new LearningRateSchedule(1e-2, 1e-3, size.steps() / 10, size.steps()), AdamW.Settings.defaults(), 1,
                size.steps() / 20, 4);
        ProgressiveExperiment experiment = new ProgressiveExperiment(size.small(), size.plan(), settings,
                size.variants());
        TextCorpus text = TextCorpus.read(corpus, 10, size.context());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s: %,d parameters from scratch; %,d grown by %s; %d steps of %d x %d tokens; %d seeds on %s%n",
                size.name(), experiment.big().parameterCount(), size.small().parameterCount(),
                TrainingBenchReport.describe(size.plan()), size.steps(), size.batch(), size.context(), seeds,
                corpus.getFileName());
        out.flush();
        List<ProgressiveExperiment.Outcome> outcomes = new ArrayList<>();
        long began = System.nanoTime();
        try (CpuKernels cpu = new CpuKernels()) {
            for (long seed = 1; seed <= seeds; seed++) {
                long s = seed;
                outcomes.add(experiment.run(text, seed, cpu, run -> {
                    out.printf("seed %d %-10s final validation loss %.4f, %.3g FLOPs, %.3g to target"
                            + " (%.0f s so far)%n", s, run.name(), run.log().getLast().validationLoss(),
                            run.totalFlops(),
                            run.flopsToTarget(), (System.nanoTime() - began) / 1e9);
                    out.flush();
                }));
                // after every seed, so a run stopped early (or still going) leaves what it has measured
                write(new TrainingBenchReport(size.name(), experiment, outcomes, (System.nanoTime() - began) / 1e9),
                        seed == seeds ? out : null);
            }
        }
        new TrainingBenchReport(size.name(), experiment, outcomes, (System.nanoTime() - began) / 1e9)
                .printTables(out);
        return Grow4j.OK;
    }

    /** The JSON and the plot when asked for; {@code out}, when given, hears where they went. */
    private void write(TrainingBenchReport report, PrintWriter out) throws java.io.IOException {
        if (json != null) {
            report.writeJson(json);
        }
        if (plot != null) {
            report.writePlot(plot);
        }
        if (out != null) {
            for (Path written : java.util.Arrays.asList(json, plot)) {
                if (written != null) {
                    out.println("wrote " + written);
                }
            }
        }
    }
}
