package io.grow4j.train;

import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints written during a run, read back and run on: the same loss curve and weights, bit for bit. */
class TrainingResumeTest {
    private static final int STEPS = 16;
    private static final GrowthPlan FIRST = new GrowthPlan(3, List.of(new MlpExpansion(64)));
    private static final GrowthPlan SECOND = new GrowthPlan(4, List.of(new HiddenExpansion(40),
            new LayerAddition(1, List.of())));
    /** GPT-2's: its MLP is 4 × hidden, and its format needs head size × heads = hidden, so heads come with hidden. */
    private static final GrowthPlan GPT2_FIRST = new GrowthPlan(3, List.of(new MlpExpansion(192)));
    private static final GrowthPlan GPT2_SECOND = new GrowthPlan(4, List.of(new HeadAddition(1, false),
            new HiddenExpansion(40), new LayerAddition(1, List.of())));

    @TempDir
    Path dir;

    /**
     * Growths before and after the checkpoints, with the optimizer state carried through one and reset by the other,
     * so the resumed run needs the moments, AdamW's own step (which the reset restarts) and the schedule position;
     * the first growth's re-warm-up (steps 4..7) is under way at the checkpoint of step 5.
     * The checkpoints are Hugging Face directories, which store Q and K rows half-split: an interleaved model's
     * weights and moments are permuted on the way out and must be permuted back.
     */
    @ParameterizedTest
    @EnumSource(RopeLayout.class)
    void aResumedRunContinuesTheUninterruptedCurveBitForBit(RopeLayout layout) throws IOException {
        assertResumesBitForBit(TinyModels.llama(ByteTokenizer.VOCAB_SIZE, 32, 2, 32, layout, true),
                growths(FIRST, SECOND));
    }

    /** GPT-2 written as a Hugging Face directory (Conv1D [in, out] weights, fused c_attn) and read back. */
    @Test
    void aResumedGpt2RunContinuesTheUninterruptedCurveBitForBit() throws IOException {
        assertResumesBitForBit(Gpt2TrainingTest.GPT2, growths(GPT2_FIRST, GPT2_SECOND));
    }

    private void assertResumesBitForBit(TransformerConfig config, Map<Integer, Trainer.Growth> growths)
            throws IOException {
        TextCorpus corpus = TextCorpus.split(TrainerTest.smallCorpus(), 5, 32);
        TrainingSettings settings = TrainerTest.settings(STEPS, 9);
        Trainer whole = TrainerTest.trainer(config, corpus, settings);
        List<Trainer.LogEntry> history = new ArrayList<>();
        List<Trainer.LogEntry> log = whole.run(growths, history::add, new Trainer.Checkpoints(5,
                (position, state) -> new TrainingCheckpoint(settings, position, state, List.copyOf(history))
                        .write(dir.resolve("step-" + position.step()), "model", false)));
        assertTrue(Files.isDirectory(dir.resolve("step-15")));
        assertEquals(List.of(4, 9), whole.growths().stream().map(Trainer.GrowthEntry::step).toList());

        for (int at : List.of(5, 10, 15)) {
            TrainingCheckpoint checkpoint = TrainingCheckpoint.read(dir.resolve("step-" + at));
            assertEquals(log.subList(0, at), checkpoint.log());
            assertEquals(List.of(), checkpoint.differences(settings));
            Trainer resumed = new Trainer(checkpoint.state(), checkpoint.position(), corpus, settings,
                    TrainerTest.CPU);
            assertEquals(log.subList(at, log.size()), resumed.run(growths), config.architecture().id()
                    + " resumed at step " + at);
            for (var e : whole.state().params().arrays().entrySet()) {
                assertArrayEquals(e.getValue(), resumed.state().params().get(e.getKey()), e.getKey().toString());
                assertArrayEquals(whole.state().optimizer().second().get(e.getKey()),
                        resumed.state().optimizer().second().get(e.getKey()), e.getKey().toString());
            }
        }
    }

    @Test
    void otherSettingsAreNamed() {
        TrainingSettings settings = TrainerTest.settings(STEPS, 9);
        TrainingCheckpoint checkpoint = new TrainingCheckpoint(settings, TrainingPosition.START, null, List.of());
        TrainingSettings other = new TrainingSettings(STEPS, 4, 32, new LearningRateSchedule(1e-2, 3e-3, 5, STEPS),
                AdamW.Settings.defaults(), 9, 10, 2);
        assertEquals(List.of("batch: checkpoint 8, asked 4", "schedule.peak: checkpoint 0.03, asked 0.01"),
                checkpoint.differences(other));
    }

    private static Map<Integer, Trainer.Growth> growths(GrowthPlan first, GrowthPlan second) {
        return Map.of(4, new GrowthMidRun(first, GrowthMidRun.OptimizerState.CARRY, 4),
                9, new GrowthMidRun(second, GrowthMidRun.OptimizerState.RESET));
    }
}
