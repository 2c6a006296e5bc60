package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.TransformerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The training loop: seeded random windows of the training stream, the float32 {@link TrainingPass}, AdamW on the
 * schedule, validation loss on fixed windows, and growth events applied before given steps. Every random draw comes
 * from the seed and every sum runs in a fixed order, so the same seed gives the same loss curve bit for bit. Step s
 * draws its windows from a generator seeded by (seed, s) alone, not from one generator running through the whole run,
 * so a run resumed at a {@link TrainingPosition} from a checkpoint draws what the uninterrupted run would have drawn.
 */
public final class Trainer {
    /** What happens to the model and its optimizer state at a growth step. */
    @FunctionalInterface
    public interface Growth {
        State apply(State state);

        /**
         * Steps over which the learning rate climbs again from 1/n of the schedule's to all of it after this growth
         * (MSG, Yao et al. 2023, re-warm after each growth); 0: none.
         */
        default int rewarmSteps() {
            return 0;
        }
    }

    /** The model being trained and its optimizer state. */
    public record State(Parameters params, AdamW optimizer) {
    }

    /** Receives the run's state between two steps, every {@code every} steps ({@link #run}); 0 turns it off. */
    public record Checkpoints(int every, Sink sink) {
        public static final Checkpoints NONE = new Checkpoints(0, (position, state) -> { });

        public Checkpoints {
            if (every < 0) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + every);
            }
        }
    }

    /** Saves a checkpoint; the state's arrays are live, so it must copy or write them before returning. */
    @FunctionalInterface
    public interface Sink {
        void save(TrainingPosition position, State state) throws IOException;
    }

    /**
     * One step's record, counted after the step: tokens and model FLOPs so far: 3 × (forward and two backward
     * products) the forward's projection, head and causal-attention FLOPs per token of the model as it was at each
     * step, i.e. 6 · matmul parameters · tokens plus attention (Kaplan et al. 2020); validation is not counted.
     * validationLoss (measured before the step) is NaN on steps without evaluation; the last entry (step = steps)
     * holds only the final validation loss.
     */
    public record LogEntry(int step, long tokens, double flops, double trainLoss, double validationLoss,
                           double learningRate, double gradientNorm) {
    }

    /** Validation loss on the fixed windows right before and right after a growth event. */
    public record GrowthEntry(int step, TransformerConfig before, TransformerConfig after, double lossBefore,
                              double lossAfter) {
    }

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final TextCorpus corpus;
    private final TrainingSettings settings;
    private final KernelBackend backend;
    private final List<Windows> validation = new ArrayList<>();
    private final List<GrowthEntry> growths = new ArrayList<>();
    private final TrainingPosition start;
    private State state;
    private TrainingPass pass;
    private int rewarmFrom;
    private int rewarmSteps;

    /** A fresh run from {@code initial} weights: zero moments, step 0. */
    public Trainer(Parameters initial, TextCorpus corpus, TrainingSettings settings, KernelBackend backend) {
        this(new State(initial, AdamW.fresh(settings.optimizer(), initial.config())), TrainingPosition.START, corpus,
                settings, backend);
    }

    /** A run continued from a checkpoint's state at {@code start}, with the settings the checkpointed run had. */
    public Trainer(State resumed, TrainingPosition start, TextCorpus corpus, TrainingSettings settings,
                   KernelBackend backend) {
        TransformerConfig config = resumed.params().config();
        if (start.step() >= settings.steps()) {
            throw new IllegalArgumentException("the run is at step " + start.step() + ", nothing left of its "
                    + settings.steps() + " steps");
        }
        if (settings.context() > config.maxSeqLen()) {
            throw new IllegalArgumentException("context " + settings.context() + " exceeds the model's maximum "
                    + "sequence length " + config.maxSeqLen());
        }
        if (config.vocabSize() < corpus.vocabularySize()) {
            throw new IllegalArgumentException("vocabulary " + config.vocabSize() + " is smaller than the corpus"
                    + " tokenizer's " + corpus.vocabularySize());
        }
        this.corpus = corpus;
        this.settings = settings;
        this.backend = backend;
        this.start = start;
        this.state = resumed;
        this.pass = new TrainingPass(config, backend);
        // a generator of its own, so the validation windows do not depend on how many training steps ran
        SplittableRandom random = new SplittableRandom(settings.seed() ^ GOLDEN_GAMMA);
        for (int i = 0; i < settings.evalBatches(); i++) {
            validation.add(Windows.sample(corpus.validation(), settings.batch(), settings.context(), random));
        }
    }

    /** Runs every step; {@code growAt} maps a step to the growth applied right before it. */
    public List<LogEntry> run(Map<Integer, Growth> growAt) {
        return run(growAt, entry -> { }, Checkpoints.NONE);
    }

    /**
     * Runs the steps from the start position to the end, handing each step's entry to {@code progress} as it
     * completes and the state to {@code checkpoints} after every {@code every}-th step but the last. A growth at a
     * step before the start position is not applied (a resumed run's model has it already); only its re-warm-up,
     * when the run resumes inside it, still sets the learning rate.
     */
    public List<LogEntry> run(Map<Integer, Growth> growAt, Consumer<LogEntry> progress, Checkpoints checkpoints) {
        for (int step : growAt.keySet()) {
            if (step <= 0 || step >= settings.steps()) {
                throw new IllegalArgumentException("growth at step " + step + " is outside the run's steps 1.."
                        + (settings.steps() - 1));
            }
        }
        new TreeMap<>(growAt).headMap(start.step()).forEach(this::rewarmAfter);
        Parameters grads = Parameters.zeros(state.params().config());
        List<LogEntry> log = new ArrayList<>();
        long tokens = start.tokens();
        double flops = start.flops();
        for (int step = start.step(); step < settings.steps(); step++) {
            Growth growth = growAt.get(step);
            if (growth != null) {
                grow(step, growth);
                rewarmAfter(step, growth);
                grads = Parameters.zeros(state.params().config());
            }
            boolean evaluate = step % settings.evalEvery() == 0;
            double validationLoss = evaluate ? validationLoss() : Double.NaN;
            Windows batch = Windows.sample(corpus.train(), settings.batch(), settings.context(), windowRandom(step));
            double loss = pass.lossAndGradients(state.params(), batch.inputs(), batch.targets(), grads);
            double lr = settings.schedule().rate(step) * rewarmFactor(step);
            double norm = state.optimizer().update(state.params(), grads, lr);
            tokens += batch.tokens();
            flops += 3.0 * (pass.matmulFlopsPerToken() + pass.attentionFlopsPerToken(settings.context()))
                    * batch.tokens();
            log.add(new LogEntry(step, tokens, flops, loss, validationLoss, lr, norm));
            progress.accept(log.getLast());
            int done = step + 1;
            if (checkpoints.every() > 0 && done % checkpoints.every() == 0 && done < settings.steps()) {
                save(checkpoints.sink(), new TrainingPosition(done, tokens, flops));
            }
        }
        log.add(new LogEntry(settings.steps(), tokens, flops, Double.NaN, validationLoss(), Double.NaN, Double.NaN));
        return log;
    }

    /**
     * Step s's own generator. Seeding with seed + s directly would make step s + 1's draws step s's draws shifted by
     * one (SplittableRandom walks its seed by a fixed gamma), so the pair goes through its 64-bit mix once first.
     */
    private SplittableRandom windowRandom(int step) {
        return new SplittableRandom(new SplittableRandom(settings.seed() + step * GOLDEN_GAMMA).nextLong());
    }

    private void rewarmAfter(int step, Growth growth) {
        rewarmFrom = step;
        rewarmSteps = growth.rewarmSteps();
    }

    /** (k + 1) / n on the k-th step of an n-step re-warm-up, else 1. */
    private double rewarmFactor(int step) {
        int k = step - rewarmFrom;
        return rewarmSteps > 0 && k < rewarmSteps ? (k + 1.0) / rewarmSteps : 1.0;
    }

    private void save(Sink sink, TrainingPosition position) {
        try {
            sink.save(position, state);
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint at step " + position.step() + ": " + e.getMessage(), e);
        }
    }

    private void grow(int step, Growth growth) {
        TransformerConfig before = state.params().config();
        double lossBefore = validationLoss();
        state = growth.apply(state);
        pass = new TrainingPass(state.params().config(), backend);
        growths.add(new GrowthEntry(step, before, state.params().config(), lossBefore, validationLoss()));
    }

    /** Mean loss over the fixed validation windows. */
    public double validationLoss() {
        double total = 0;
        for (Windows w : validation) {
            total += pass.loss(state.params(), w.inputs(), w.targets());
        }
        return total / validation.size();
    }

    public State state() {
        return state;
    }

    public List<GrowthEntry> growths() {
        return List.copyOf(growths);
    }
}
