package io.grow4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.train.AdamW;
import io.grow4j.train.ByteTokenizer;
import io.grow4j.train.GrowthMidRun;
import io.grow4j.train.HfTokenizer;
import io.grow4j.train.InitConfig;
import io.grow4j.train.InitialWeights;
import io.grow4j.train.LearningRateSchedule;
import io.grow4j.train.TextCorpus;
import io.grow4j.train.Trainer;
import io.grow4j.train.TrainingCheckpoint;
import io.grow4j.train.TrainingPosition;
import io.grow4j.train.TrainingSettings;
import io.grow4j.train.TrainingSupport;
import io.grow4j.train.Tokenizer;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "train", description = {"Train a llama-style model, or one made from a config (--init), on a UTF-8"
        + " text (byte-level tokens, or the model's tokenizer.json), growing it mid-run with --grow-at; writes the"
        + " trained model and a JSON log, and with --checkpoint-every N a checkpoint every N steps that --resume"
        + " continues exactly.",
        "Documents are the text's blocks between blank lines; every tenth goes to validation. Every problem of the"
                + " request (a plan that cannot apply at its step, a step beyond --steps, a context beyond the model's"
                + " maximum, a too-short corpus) is reported before training starts."})
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "the model to train (any readable"
            + " format); its vocabulary must hold the tokenizer's ids (258 byte-level tokens by default). Not with"
            + " --init or --resume")
    Path model;

    @Option(names = "--init", paramLabel = "CONFIG.yaml", description = "start from seeded random weights (--seed)"
            + " of the model CONFIG.yaml describes, in config.json's keys: model_type, hidden_size,"
            + " intermediate_size, num_hidden_layers, num_attention_heads, vocab_size, and optionally"
            + " num_key_value_heads, head_dim, max_position_embeddings, rope_theta, rms_norm_eps,"
            + " tie_word_embeddings (transformers' defaults); a config.json is such a file. Not with MODEL or --resume")
    Path init;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenise the corpus with this Hugging Face"
            + " tokenizer.json (default: MODEL's tokenizer.json when MODEL is a directory that has one, else 256 byte"
            + " ids plus BOS/EOS). Checkpoints record it; --resume needs the same --tokenizer again")
    Path tokenizerFile;

    @Option(names = "--resume", paramLabel = "DIR", description = "continue the run a checkpoint directory"
            + " (CHECKPOINTS/step-NNNNNN) saved, with the same options; the loss curve is the uninterrupted run's, bit"
            + " for bit. --grow-at plans before its step are already in its model and skipped")
    Path resume;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N", description = "save the model, AdamW's"
            + " state and the log so far every N steps (default ${DEFAULT-VALUE}: never)")
    int checkpointEvery;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "where checkpoints go, one step-NNNNNN"
            + " directory each (default OUT.checkpoints)")
    Path checkpointDir;

    @Option(names = "--corpus", required = true, paramLabel = "TEXT", description = "a UTF-8 text file")
    Path corpus;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "the trained model, format by name;"
            + " AdamW's state goes beside it as OUT.optimizer.safetensors")
    Path out;

    @Option(names = "--steps", defaultValue = "200", description = "optimizer steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "windows per step (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--context", defaultValue = "64", description = "tokens per window (default ${DEFAULT-VALUE})")
    int context;

    @Option(names = "--lr", defaultValue = "3e-3", description = "peak learning rate (default ${DEFAULT-VALUE});"
            + " linear warm-up over the first tenth of the steps, cosine decay to a tenth of it")
    double lr;

    @Option(names = "--eval-every", defaultValue = "50", description = "validation loss every N steps (default ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the windows, and of the weights with --init"
            + " (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--grow-at", paramLabel = "STEP:PLAN.yaml", description = "apply a growth plan right before"
            + " STEP (repeatable)")
    List<String> growAt = new ArrayList<>();

    @Option(names = "--optimizer-state", defaultValue = "carry", paramLabel = "carry|reset",
            description = "at growth: carry the AdamW moments with the weights, or reset them (default"
                    + " ${DEFAULT-VALUE})")
    String optimizerState;

    @Option(names = "--rewarm", defaultValue = "0", paramLabel = "STEPS", description = "after each growth, raise"
            + " the learning rate again from 1/STEPS of the schedule's over STEPS steps (default ${DEFAULT-VALUE}: no"
            + " re-warm-up)")
    int rewarm;

    @Option(names = "--log", paramLabel = "FILE.json", description = "write every step's record as JSON")
    Path log;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "draw train and validation loss against the"
            + " step as a PNG")
    Path plot;

    @Option(names = "--progress", negatable = true, description = "draw a progress bar on stderr (steps, time left,"
            + " loss, tokens/s) (default: when stderr is a terminal)")
    Boolean progress;

    @Option(names = "--force", description = "replace OUT, the log and checkpoints of the same steps if they exist")
    boolean force;

    @Spec
    CommandSpec spec;

    /**
     * What MODEL (or the resumed checkpoint's model) carries besides its tensors (a directory's config.json keys and
     * its other files, tokenizer.json among them), so OUT and every checkpoint keep the tokenizer it was trained with.
     */
    private Map<String, Object> carried = Map.of();

    /** Which tokenizer the corpus went through: for the report, and its identity for checkpoints. */
    private String tokenizerName;
    private String tokenizerIdentity;

    /** The config after every --grow-at plan that applies: what OUT must be able to hold. */
    private TransformerConfig finalConfig;

    @Override
    public Integer call() throws Exception {
        List<String> starts = new ArrayList<>();
        java.util.stream.Stream.of(model == null ? null : "MODEL", init == null ? null : "--init",
                resume == null ? null : "--resume").filter(java.util.Objects::nonNull).forEach(starts::add);
        if (starts.size() != 1) {
            throw new IllegalArgumentException("give the MODEL to train, --init CONFIG.yaml or --resume DIR, "
                    + (starts.isEmpty() ? "got none" : "not " + String.join(" and ", starts)));
        }
        List<String> problems = new ArrayList<>();
        TrainingCheckpoint resumed = resume == null ? null : TrainingCheckpoint.read(resume);
        Model start = startModel(resumed, problems);
        int from = resumed == null ? 0 : resumed.position().step();
        try (Tokenizer tokenizer = tokenizer(problems)) {
            TransformerConfig config = start == null ? null : start.config();
            if (config != null) {
                problems.addAll(modelProblems(config, tokenizer));
            }
            GrowthMidRun.OptimizerState mode = optimizerState(problems);
            // with --steps 0 or less the steps' own error says it all; the default --rewarm 0 is not at fault
            if (rewarm < 0 || (steps > 0 && rewarm >= steps)) {
                problems.add("--rewarm must be between 0 and --steps - 1, got " + rewarm);
                rewarm = 0;
            }
            finalConfig = config;
            Map<Integer, Trainer.Growth> growths = growths(config, mode, from, problems);
            if (start != null) {
                ModelFormats.forOutput(out).writeProblems(start, finalConfig).forEach(p -> problems.add("cannot"
                        + " write the trained model as " + out + ": " + p));
            }
            TextCorpus text = tokenizer == null ? null : readCorpus(tokenizer, problems);
            if (tokenizer != null) {
                tokenizerName = tokenizer.describe();
                tokenizerIdentity = tokenizer.identity();
                if (resumed != null && !resumed.tokenizer().equals(tokenizerIdentity)) {
                    problems.add("--resume " + resume + ": tokenizer: checkpoint " + resumed.tokenizer() + ", asked "
                            + tokenizerIdentity + " (" + tokenizerName + "); resume with the checkpointed run's"
                            + " --tokenizer");
                }
            }
            return claimAndTrain(start, resumed, text, growths, problems);
        }
    }

    /**
     * The model the run starts from: MODEL as read, the checkpoint's, or --init's seeded weights; null (with the
     * config's problems added) when --init's config is bad.
     */
    private Model startModel(TrainingCheckpoint resumed, List<String> problems) throws IOException {
        if (resumed != null) {
            carried = Map.copyOf(resumed.extras());
            Model tensors = resumed.state().params().toModel(DType.F32);
            return new Model(tensors.config(), tensors.tensors(), carried);
        }
        if (model != null) {
            Model read = ModelFiles.read(model);
            carried = read.extras();
            return read;
        }
        TransformerConfig config = InitConfig.read(init, context, problems);
        return config == null ? null : InitialWeights.create(config, seed).toModel(DType.F32);
    }

    /** --tokenizer, else MODEL's own tokenizer.json, else bytes; null (with the problem added) when it cannot load. */
    private Tokenizer tokenizer(List<String> problems) throws IOException {
        Path file = tokenizerFile;
        Path own = model == null ? null : model.resolve("tokenizer.json");
        boolean hasOwn = own != null && Files.isRegularFile(own);
        if (file == null && hasOwn) {
            file = own;
        } else if (file != null && hasOwn && Files.isRegularFile(file) && Files.mismatch(file, own) != -1) {
            // OUT carries MODEL's files, tokenizer.json among them: it would ship a tokenizer it was not trained with.
            problems.add("--tokenizer " + file + " differs from MODEL's own " + own + ", which OUT would carry: train"
                    + " from a copy of MODEL whose tokenizer.json is " + file + ", or without --tokenizer");
            return null;
        }
        if (file == null) {
            return ByteTokenizer.INSTANCE;
        }
        try {
            return HfTokenizer.load(file);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    /** What the starting model cannot do in this run: train at all, hold the tokenizer's ids, fit the context. */
    private List<String> modelProblems(TransformerConfig config, Tokenizer tokenizer) {
        List<String> problems = new ArrayList<>(TrainingSupport.problems(config));
        if (tokenizer != null && config.vocabSize() < tokenizer.vocabularySize()) {
            problems.add("model vocabulary " + config.vocabSize() + " cannot hold the " + tokenizer.vocabularySize()
                    + " ids of " + tokenizer.describe() + (tokenizer instanceof ByteTokenizer ? " (give the model's"
                    + " tokenizer.json with --tokenizer)" : ""));
        }
        if (context > config.maxSeqLen()) {
            problems.add("--context " + context + " exceeds the model's maximum sequence length "
                    + config.maxSeqLen());
        }
        return problems;
    }

    /** Claims every output, adds their problems, and trains only when there are none. */
    private int claimAndTrain(Model start, TrainingCheckpoint resumed, TextCorpus text,
                              Map<Integer, Trainer.Growth> growths, List<String> problems) throws IOException {
        List<OutputClaim> claims = new ArrayList<>();
        List<Path> outputs = new ArrayList<>(List.of(out, optimizerOut()));
        java.util.stream.Stream.of(log, plot).filter(java.util.Objects::nonNull).forEach(outputs::add);
        OutputClaim.Input[] inputs = {OutputClaim.Input.model(model), new OutputClaim.Input("the checkpoint", resume),
                new OutputClaim.Input("the corpus", corpus), new OutputClaim.Input("the init config", init),
                new OutputClaim.Input("the tokenizer", tokenizerFile)};
        for (Path output : outputs) {
            OutputClaim claim = OutputClaim.replacing(output, force, inputs);
            claims.add(claim);
            problems.addAll(claim.problems());
        }
        TrainingSettings settings = null;
        try {
            settings = new TrainingSettings(steps, batch, context, new LearningRateSchedule(lr, lr / 10,
                    Math.max(1, steps / 10), Math.max(1, steps)), AdamW.Settings.defaults(), seed, evalEvery, 4);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (resumed != null && settings != null) {
            resumed.differences(settings).forEach(d -> problems.add("--resume " + resume + ": " + d
                    + "; resume with the options of the checkpointed run"));
        }
        problems.addAll(checkpoints().problems(resumed == null ? 0 : resumed.position().step(), steps, inputs));
        problems.addAll(new DistinctOutputs().add("--out", out).add("--out's optimizer state", optimizerOut())
                .add("--log", log).add("--plot", plot)
                .add("--checkpoint-dir", checkpointEvery > 0 ? checkpoints().dir() : null).problems());
        try {
            PlanException.throwIfAny(problems);
            return train(resumed == null ? new Trainer.State(io.grow4j.train.Parameters.of(start),
                    AdamW.fresh(settings.optimizer(), start.config())) : resumed.state(), resumed, text, settings,
                    growths, claims);
        } finally {
            for (OutputClaim claim : claims) {
                claim.close();
            }
        }
    }

    private CheckpointOutputs checkpoints() {
        return new CheckpointOutputs(checkpointDir != null ? checkpointDir
                : out.resolveSibling(out.getFileName() + ".checkpoints"), checkpointEvery, force);
    }

    /**
     * Trains from {@code state}, at the resumed checkpoint's position when there is one; claims: the model, the
     * optimizer state, the log and the plot (each when asked for), in that order.
     */
    private int train(Trainer.State state, TrainingCheckpoint resumed, TextCorpus text, TrainingSettings settings,
                      Map<Integer, Trainer.Growth> growths, List<OutputClaim> claims) throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        TrainingPosition from = resumed == null ? TrainingPosition.START : resumed.position();
        List<Trainer.LogEntry> entries = new ArrayList<>(resumed == null ? List.of() : resumed.log());
        stdout.printf("corpus %s: %,d training and %,d validation tokens (%s)%n", corpus, text.train().length,
                text.validation().length, tokenizerName);
        Trainer trainer;
        long began = System.nanoTime();
        try (CpuKernels cpu = new CpuKernels(); TrainProgressBar bar = GrowProgressBar.wanted(progress)
                ? new TrainProgressBar(System.err, GrowProgressBar.isTerminal(), from.step(), settings.steps(),
                from.tokens()) : null) {
            trainer = new Trainer(state, from, text, settings, cpu);
            List<Trainer.LogEntry> rest = trainer.run(growths, e -> {
                entries.add(e);
                if (bar != null) {
                    bar.step(e);
                }
                if (!Double.isNaN(e.validationLoss())) {
                    double seconds = (System.nanoTime() - began) / 1e9;
                    stdout.printf("step %d: train loss %.4f, validation loss %.4f, lr %.2e, %.0f tokens/s%n",
                            e.step(), e.trainLoss(), e.validationLoss(), e.learningRate(),
                            (e.tokens() - from.tokens()) / seconds);
                    stdout.flush();
                }
            }, checkpoints().checkpoints(out.getFileName().toString(), settings, entries,
                    tokenizerIdentity, carried, tokenizerFile));
            entries.add(rest.getLast());
        }
        for (Trainer.GrowthEntry g : trainer.growths()) {
            stdout.printf("grew at step %d: %,d -> %,d parameters, validation loss %.6f -> %.6f%n", g.step(),
                    g.before().parameterCount(), g.after().parameterCount(), g.lossBefore(), g.lossAfter());
        }
        stdout.printf("final validation loss %.4f%n", entries.getLast().validationLoss());
        Model tensors = trainer.state().params().toModel(DType.F32);
        Model trained = new Model(tensors.config(), tensors.tensors(), carried);
        claims.get(0).write(tmp -> {
            ModelFormats.forOutput(out).write(trained, tmp);
            TrainingCheckpoint.addTokenizer(tmp, tokenizerFile);
        });
        // OptimizerStateFile writes atomically itself (under the claim's lock, which this thread holds).
        Trainer.LogEntry last = entries.getLast();
        TrainingCheckpoint.writeOptimizerBeside(out, optimizerOut(), trainer.state().optimizer(),
                new TrainingPosition(last.step(), last.tokens(), last.flops()));
        if (log != null) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            claims.get(2).write(tmp -> json.writeValue(tmp.toFile(), entries));
        }
        if (plot != null) {
            claims.getLast().write(tmp -> TrainLossPlot.write(entries, trainer.growths(), tmp));
        }
        stdout.printf("wrote %s, %s%s%s%n", out, optimizerOut(), log == null ? "" : ", " + log,
                plot == null ? "" : ", " + plot);
        return Grow4j.OK;
    }

    /** AdamW's state beside the model: OUT.optimizer.safetensors. */
    private Path optimizerOut() {
        return out.resolveSibling(out.getFileName() + ".optimizer.safetensors");
    }

    private GrowthMidRun.OptimizerState optimizerState(List<String> problems) {
        return switch (optimizerState) {
            case "carry" -> GrowthMidRun.OptimizerState.CARRY;
            case "reset" -> GrowthMidRun.OptimizerState.RESET;
            default -> {
                problems.add("--optimizer-state must be carry or reset, got '" + optimizerState + "'");
                yield GrowthMidRun.OptimizerState.CARRY;
            }
        };
    }

    /**
     * Each --grow-at parsed and its plan checked against the config the model will have at that step ({@code config}
     * null: a bad --init config, reported already; the plans are only parsed).
     */
    private Map<Integer, Trainer.Growth> growths(TransformerConfig config, GrowthMidRun.OptimizerState mode,
                                                 int from, List<String> problems) throws IOException {
        TreeMap<Integer, GrowthPlan> plans = new TreeMap<>();
        for (String spec : growAt) {
            int colon = spec.indexOf(':');
            int step;
            try {
                step = Integer.parseInt(spec.substring(0, Math.max(colon, 0)));
            } catch (NumberFormatException e) {
                problems.add("--grow-at '" + spec + "': expected STEP:PLAN.yaml");
                continue;
            }
            if (step <= 0 || step >= steps) {
                problems.add("--grow-at " + spec + ": step " + step + " is outside the run's steps 1.." + (steps - 1));
            }
            try {
                if (plans.put(step, PlanFiles.read(Path.of(spec.substring(colon + 1)))) != null) {
                    problems.add("--grow-at " + spec + ": two plans at step " + step);
                }
            } catch (PlanException e) {
                e.problems().forEach(p -> problems.add("--grow-at " + spec + ": " + p));
            }
        }
        Map<Integer, Trainer.Growth> growths = new TreeMap<>();
        TransformerConfig current = config;
        // a resumed checkpoint's model has these already; the trainer only needs their re-warm-up
        plans.headMap(from).forEach((step, plan) -> growths.put(step, new GrowthMidRun(plan, mode, rewarm)));
        for (Map.Entry<Integer, GrowthPlan> e : plans.tailMap(from).entrySet()) {
            growths.put(e.getKey(), new GrowthMidRun(e.getValue(), mode, rewarm));
            if (current == null) {
                continue; // --init's config is bad (reported): the plans were parsed, there is nothing to apply to
            }
            List<String> planProblems = e.getValue().problems(current);
            planProblems.forEach(p -> problems.add("--grow-at step " + e.getKey() + ": " + p));
            if (planProblems.isEmpty()) {
                current = e.getValue().apply(current);
                finalConfig = current;
                TrainingSupport.problems(current)
                        .forEach(p -> problems.add("--grow-at step " + e.getKey() + ": grown model: " + p));
            }
        }
        return growths;
    }

    private TextCorpus readCorpus(Tokenizer tokenizer, List<String> problems) throws IOException {
        try {
            return TextCorpus.read(corpus, tokenizer, 10, context);
        } catch (NoSuchFileException e) {
            problems.add("--corpus " + corpus + ": no such file");
            return null;
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }
}
