package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The training loop: seeded random windows of the training stream, the float32 {@link TrainingPass}, AdamW on the
 * schedule, validation loss on fixed windows, and growth events applied before given steps. Every random draw comes
 * from the seed and every sum runs in a fixed order, so the same seed gives the same loss curve bit for bit.
 */
public final class Trainer {
    /** What happens to the model and its optimizer state at a growth step. */
    @FunctionalInterface
    public interface Growth {
        State apply(State state);
    }

    /** The model being trained and its optimizer state. */
    public record State(Parameters params, AdamW optimizer) {
    }

    /**
     * One step's record, counted after the step: tokens and model FLOPs (3 × the forward's matmul FLOPs per token, of
     * the model as it was at each step) so far. validationLoss is NaN on steps without evaluation; the last entry
     * (step = steps) holds only the final validation loss.
     */
    public record LogEntry(int step, long tokens, double flops, double trainLoss, double validationLoss,
                           double learningRate, double gradientNorm) {
    }

    /** Validation loss on the fixed windows right before and right after a growth event. */
    public record GrowthEntry(int step, TransformerConfig before, TransformerConfig after, double lossBefore,
                              double lossAfter) {
    }

    private final TextCorpus corpus;
    private final TrainingSettings settings;
    private final KernelBackend backend;
    private final List<Windows> validation = new ArrayList<>();
    private final List<GrowthEntry> growths = new ArrayList<>();
    private State state;
    private TrainingPass pass;

    public Trainer(Parameters initial, TextCorpus corpus, TrainingSettings settings, KernelBackend backend) {
        TransformerConfig config = initial.config();
        if (settings.context() > config.maxSeqLen()) {
            throw new IllegalArgumentException("context " + settings.context() + " exceeds the model's maximum "
                    + "sequence length " + config.maxSeqLen());
        }
        if (config.vocabSize() < ByteTokenizer.VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary " + config.vocabSize() + " is smaller than the byte "
                    + "tokenizer's " + ByteTokenizer.VOCAB_SIZE);
        }
        this.corpus = corpus;
        this.settings = settings;
        this.backend = backend;
        this.state = new State(initial, AdamW.fresh(settings.optimizer(), config));
        this.pass = new TrainingPass(config, backend);
        // a generator of its own, so the validation windows do not depend on how many training steps ran
        SplittableRandom random = new SplittableRandom(settings.seed() ^ 0x9E3779B97F4A7C15L);
        for (int i = 0; i < settings.evalBatches(); i++) {
            validation.add(Windows.sample(corpus.validation(), settings.batch(), settings.context(), random));
        }
    }

    /** Runs every step; {@code growAt} maps a step to the growth applied right before it. */
    public List<LogEntry> run(Map<Integer, Growth> growAt) {
        return run(growAt, entry -> { });
    }

    /** As {@link #run(Map)}, handing each step's entry to {@code progress} as it completes. */
    public List<LogEntry> run(Map<Integer, Growth> growAt, Consumer<LogEntry> progress) {
        for (int step : growAt.keySet()) {
            if (step <= 0 || step >= settings.steps()) {
                throw new IllegalArgumentException("growth at step " + step + " is outside the run's steps 1.."
                        + (settings.steps() - 1));
            }
        }
        SplittableRandom random = new SplittableRandom(settings.seed());
        Parameters grads = Parameters.zeros(state.params().config());
        List<LogEntry> log = new ArrayList<>();
        long tokens = 0;
        double flops = 0;
        for (int step = 0; step < settings.steps(); step++) {
            Growth growth = growAt.get(step);
            if (growth != null) {
                grow(step, growth);
                grads = Parameters.zeros(state.params().config());
            }
            boolean evaluate = step % settings.evalEvery() == 0;
            double validationLoss = evaluate ? validationLoss() : Double.NaN;
            Windows batch = Windows.sample(corpus.train(), settings.batch(), settings.context(), random);
            double loss = pass.lossAndGradients(state.params(), batch.inputs(), batch.targets(), grads);
            double lr = settings.schedule().rate(step);
            double norm = state.optimizer().update(state.params(), grads, lr);
            tokens += batch.tokens();
            flops += 3.0 * pass.matmulFlopsPerToken() * batch.tokens();
            log.add(new LogEntry(step, tokens, flops, loss, validationLoss, lr, norm));
            progress.accept(log.getLast());
        }
        log.add(new LogEntry(settings.steps(), tokens, flops, Double.NaN, validationLoss(), Double.NaN, Double.NaN));
        return log;
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
