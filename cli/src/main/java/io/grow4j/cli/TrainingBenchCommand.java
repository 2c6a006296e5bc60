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
 * about a quarter of its parameters trained on the same windows, grown into it mid-run by a four-step plan (MLP,
 * heads, hidden size, layers) and trained on for the same FLOPs.
 */
@Command(name = "training", description = {"Progressive training against training from scratch: FLOPs to reach the"
        + " scratch run's final validation loss, per seed and growth variant (optimizer state carried or reset, grown"
        + " at a quarter or half of the steps).",
        "Every progressive run spends the scratch run's FLOPs. Full: a 0.49 M-parameter model grown from 0.12 M,"
                + " 320 scratch steps of 8 x 64 tokens, carry or reset, re-warm-up or not, growth at 1/4 or 1/2;"
                + " --quick: 0.10 M from 0.03 M, 160 steps, carry at 1/4 only."})
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
     * Sized for the 2-core machine and for an answer (BENCHMARKS.md gives the reasoning): the small model is about a
     * quarter of the big one's parameters (MLP to 240/170 of its width, heads and hidden size doubled, one more
     * layer); the head is untied, because tied byte models sat on the unigram plateau for a seed-dependent time,
     * which made the seeds' spread larger than any variant's effect; the scratch run is long enough for its cosine
     * schedule to flatten the curve, and every progressive run spends the scratch run's FLOPs. Variants: the AdamW
     * moments carried or reset, a re-warm-up over a twentieth of the steps or none, growth after a quarter or half of
     * the scratch steps. Validation on 8 fixed batches (4 K tokens) every sixteenth of the steps, the same for every
     * run of a seed. Full: 5 runs of the scratch FLOPs per seed; quick: 2.
     */
    static Size size(boolean quick) {
        int hidden = quick ? 32 : 64;
        int layers = quick ? 1 : 2;
        int steps = quick ? 160 : 320;
        int context = 64;
        TransformerConfig small = new TransformerConfig(Architecture.LLAMA, ByteTokenizer.VOCAB_SIZE, hidden, layers,
                context, new AttentionConfig(hidden / 16, hidden / 32, 16, 16, false),
                new MlpConfig(hidden * 8 / 3, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
        GrowthPlan plan = new GrowthPlan(17, List.of(new MlpExpansion(hidden * 15 / 4),
                new HeadAddition(hidden / 16, false), new HiddenExpansion(2 * hidden),
                new LayerAddition(1, List.of())));
        int rewarm = steps / 20;
        List<Variant> variants = quick
                ? List.of(new Variant("carry@1/4", steps / 4, OptimizerState.CARRY, 0))
                : List.of(new Variant("carry@1/4", steps / 4, OptimizerState.CARRY, 0),
                        new Variant("reset@1/4", steps / 4, OptimizerState.RESET, 0),
                        new Variant("carry+rewarm@1/4", steps / 4, OptimizerState.CARRY, rewarm),
                        new Variant("carry@1/2", steps / 2, OptimizerState.CARRY, 0));
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
                size.steps() / 16, 8);
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
