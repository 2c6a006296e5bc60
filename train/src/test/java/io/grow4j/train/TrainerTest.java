package io.grow4j.train;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.RequiresSharedData;
import io.grow4j.model.fixtures.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole training runs of tiny byte-level models. */
class TrainerTest {
    static final CpuKernels CPU = new CpuKernels(2);
    static final TransformerConfig TINY = TinyModels.llama(ByteTokenizer.VOCAB_SIZE, 32, 2, 32,
            RopeLayout.HALF_SPLIT, true);

    @AfterAll
    static void close() {
        CPU.close();
    }

    static String smallCorpus() throws IOException {
        try (InputStream in = TrainerTest.class.getResourceAsStream("small-corpus.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static TrainingSettings settings(int steps, long seed) {
        return new TrainingSettings(steps, 8, 32, new LearningRateSchedule(3e-2, 3e-3, 5, steps),
                AdamW.Settings.defaults(), seed, 10, 2);
    }

    static Trainer trainer(TransformerConfig config, TextCorpus corpus, TrainingSettings settings) {
        return new Trainer(InitialWeights.create(config, 7), corpus, settings, CPU);
    }

    @Test
    void sameSeedGivesTheSameLossCurveBitForBit() throws IOException {
        TextCorpus corpus = TextCorpus.split(smallCorpus(), 5, 32);
        List<Trainer.LogEntry> first = trainer(TINY, corpus, settings(12, 3)).run(Map.of());
        List<Trainer.LogEntry> second = trainer(TINY, corpus, settings(12, 3)).run(Map.of());
        assertEquals(first, second);
        List<Trainer.LogEntry> other = trainer(TINY, corpus, settings(12, 4)).run(Map.of());
        assertTrue(!first.equals(other), "another seed draws other windows");
    }

    /**
     * From ln 258 ≈ 5.55 (uniform bytes) to below the ≈ 3 nats of a byte-frequency (unigram) model of English: the
     * model has learned context, not just which bytes are common.
     */
    @Test
    void lossDecreasesOnTheBuiltInText() throws IOException {
        TextCorpus corpus = TextCorpus.split(smallCorpus(), 5, 32);
        assertLearns(trainer(TINY, corpus, settings(80, 1)).run(Map.of()), 3.0);
    }

    /**
     * A real corpus needs more steps than the small text to get past the unigram level. At 200 steps the final loss
     * of seeds 1..5 spread over 2.69..3.13, so a bound there held by the draw's luck; at 400 they end at 2.40..2.80.
     */
    @Test
    @RequiresSharedData("austen.txt")
    void lossDecreasesOnAusten() throws IOException {
        TextCorpus corpus = TextCorpus.read(SharedData.path("austen.txt"), 10, 32);
        assertLearns(trainer(TINY, corpus, settings(400, 2)).run(Map.of()), 2.8);
    }

    static void assertLearns(List<Trainer.LogEntry> log, double below) {
        double start = log.getFirst().validationLoss();
        double end = log.getLast().validationLoss();
        System.err.printf("validation loss %.4f -> %.4f over %d steps%n", start, end, log.size() - 1);
        assertTrue(start > 5.0, "untrained validation loss " + start + " should be near ln 258");
        assertTrue(end < below, "validation loss went from " + start + " to " + end + ", expected below " + below);
    }
}
