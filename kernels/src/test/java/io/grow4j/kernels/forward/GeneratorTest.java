package io.grow4j.kernels.forward;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneratorTest {

    /** A session whose logits put all weight on a scripted next token, recording what it was fed. */
    private static final class Scripted implements DecodingSession {
        private final int[] script;
        private final List<Integer> fed = new ArrayList<>();

        Scripted(int... script) {
            this.script = script;
        }

        @Override
        public int position() {
            return fed.size();
        }

        @Override
        public int maxSeqLen() {
            return 10;
        }

        @Override
        public double[] nextLogits(int token) {
            double[] logits = new double[8];
            logits[script[fed.size()]] = 5;
            fed.add(token);
            return logits;
        }
    }

    @Test
    void feedsBosThenEachChosenTokenAsRunCDoes() {
        Scripted session = new Scripted(4, 6, 2, 7);
        assertArrayEquals(new int[] {4, 6, 2, 7}, Generator.greedy(session, 4));
        assertEquals(List.of(Generator.BOS, 4, 6, 2), session.fed);
    }

    @Test
    void stopsBeforeAGeneratedBos() {
        assertArrayEquals(new int[] {4, 6}, Generator.greedy(new Scripted(4, 6, Generator.BOS, 7), 4));
    }

    @Test
    void argmaxTiesGoToTheLowestIndex() {
        assertEquals(1, Sampler.argmax(new double[] {0, 3, 1, 3}));
        assertEquals(0, Sampler.argmax(new double[] {2, 2}));
    }

    @Test
    void rejectsStepsBeyondTheContextAndUsedSessions() {
        assertThrows(IllegalArgumentException.class, () -> Generator.greedy(new Scripted(), 11));
        Scripted used = new Scripted(3, 3);
        used.nextLogits(Generator.BOS);
        assertThrows(IllegalArgumentException.class, () -> Generator.greedy(used, 1));
        assertThrows(IllegalArgumentException.class, () -> Sampler.temperature(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> Sampler.temperature(Double.NaN, 0));
    }

    @Test
    void samplingIsReproducibleAndFollowsTheSoftmax() {
        // softmax([0, ln 3]) = [1/4, 3/4] at temperature 1; at temperature 2 it is [1/(1+√3), √3/(1+√3)].
        double[] logits = {0, Math.log(3)};
        assertEquals(0.75, frequencyOfOne(Sampler.temperature(1, 42), logits), 0.02);
        assertEquals(Math.sqrt(3) / (1 + Math.sqrt(3)), frequencyOfOne(Sampler.temperature(2, 42), logits), 0.02);
        Sampler a = Sampler.temperature(0.8, 5);
        Sampler b = Sampler.temperature(0.8, 5);
        for (int i = 0; i < 100; i++) {
            assertEquals(a.next(logits), b.next(logits));
        }
    }

    @Test
    void temperatureZeroIsGreedyAndSamplingDiffersOnARealModel() {
        TransformerConfig config = TestConfigs.all().get("llama gqa interleaved tied");
        Model model = RandomModels.create(config, DType.F32, 12);
        ReferenceForward reference = new ReferenceForward(model);
        int[] greedy = Generator.greedy(reference.newSession(), 20);
        assertArrayEquals(greedy, Generator.sample(reference.newSession(), 20, 0, 99));
        int[] hot = Generator.sample(reference.newSession(), 20, 5.0, 1);
        assertArrayEquals(hot, Generator.sample(reference.newSession(), 20, 5.0, 1), "same seed, same ids");
        assertFalse(Arrays.equals(greedy, hot), "temperature 5 should leave the greedy path");
        assertTrue(hot.length <= 20);
    }

    private static double frequencyOfOne(Sampler sampler, double[] logits) {
        int n = 20000;
        int ones = 0;
        for (int i = 0; i < n; i++) {
            ones += sampler.next(logits);
        }
        return (double) ones / n;
    }
}
