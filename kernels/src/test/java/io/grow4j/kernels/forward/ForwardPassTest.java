package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float pass on each backend against the double reference, on random models of every config shape. */
class ForwardPassTest {
    private static final double TOLERANCE = 1e-5;
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final KernelBackend SCALAR = new ScalarKernels();

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void floatPassMatchesReferenceOnEveryConfig() {
        for (Map.Entry<String, TransformerConfig> e : TestConfigs.all().entrySet()) {
            Model model = RandomModels.create(e.getValue(), DType.F32, e.getKey().hashCode());
            int[] tokens = randomTokens(e.getValue(), e.getValue().maxSeqLen(), 7);
            double[][] want = new ReferenceForward(model).logits(tokens);
            for (KernelBackend backend : new KernelBackend[] {CPU, SCALAR}) {
                float[][] got = new ForwardPass(model, backend).logits(tokens);
                assertCloseToReference(want, got, e.getKey() + " on " + backend.name());
            }
        }
    }

    @Test
    void wideModelRunsParallelPathsAndMatches() {
        TransformerConfig config = TestConfigs.wide();
        Model model = RandomModels.create(config, DType.F32, 3);
        int[] tokens = randomTokens(config, 40, 11);
        assertCloseToReference(new ReferenceForward(model).logits(tokens),
                new ForwardPass(model, CPU).logits(tokens), "wide on cpu");
    }

    /** The reference reads any storage dtype through double; F64 weights are what the 1e-12 growth tests use. */
    @Test
    void referenceIsDeterministicOnF64() {
        TransformerConfig config = TestConfigs.all().get("llama gqa interleaved tied");
        Model model = RandomModels.create(config, DType.F64, 5);
        int[] tokens = randomTokens(config, 20, 1);
        double[][] first = new ReferenceForward(model).logits(tokens);
        double[][] second = new ReferenceForward(model).logits(tokens);
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], 0.0, "position " + i);
        }
    }

    /** Feeding one token at a time through a session is what logits() does; both must agree exactly. */
    @Test
    void sessionMatchesWholeSequence() {
        TransformerConfig config = TestConfigs.all().get("generic learned relu biases k!=v");
        Model model = RandomModels.create(config, DType.F32, 9);
        int[] tokens = randomTokens(config, 12, 2);
        ForwardPass pass = new ForwardPass(model, CPU);
        float[][] whole = pass.logits(tokens);
        ForwardPass.Session session = pass.newSession();
        for (int i = 0; i < tokens.length; i++) {
            assertEquals(i, session.position());
            assertArrayEquals(whole[i], session.next(tokens[i]), "position " + i);
        }
    }

    /** Earlier positions cannot see later tokens: changing the last token changes only the last logits. */
    @Test
    void attentionIsCausal() {
        TransformerConfig config = TestConfigs.all().get("llama half-split untied qkv bias");
        Model model = RandomModels.create(config, DType.F32, 4);
        int[] tokens = randomTokens(config, 10, 3);
        int[] changed = tokens.clone();
        changed[9] = (tokens[9] + 1) % config.vocabSize();
        double[][] a = new ReferenceForward(model).logits(tokens);
        double[][] b = new ReferenceForward(model).logits(changed);
        for (int i = 0; i < 9; i++) {
            assertArrayEquals(a[i], b[i], 0.0, "position " + i);
        }
        assertTrue(maxAbsDiff(a[9], b[9]) > 0, "the changed token must change its own logits");
    }

    @Test
    void rejectsBadTokensAndLongSequences() {
        TransformerConfig config = TestConfigs.all().get("llama gqa interleaved tied");
        Model model = RandomModels.create(config, DType.F32, 1);
        ForwardPass pass = new ForwardPass(model, CPU);
        ReferenceForward reference = new ReferenceForward(model);
        int vocab = config.vocabSize();
        assertMessage(() -> pass.logits(new int[] {1, vocab}), "token id " + vocab);
        assertMessage(() -> reference.logits(new int[] {-3}), "token id -3");
        int[] tooLong = new int[config.maxSeqLen() + 1];
        assertMessage(() -> pass.logits(tooLong), "maxSeqLen " + config.maxSeqLen());
        assertMessage(() -> reference.logits(tooLong), "maxSeqLen " + config.maxSeqLen());
        ForwardPass.Session session = pass.newSession();
        for (int i = 0; i < config.maxSeqLen(); i++) {
            session.next(0);
        }
        assertMessage(() -> session.next(0), "position " + config.maxSeqLen());
    }

    @Test
    void refusesBertWithEveryReason() {
        TransformerConfig bert = new TransformerConfig(Architecture.BERT, 30, 16, 1, 8,
                new AttentionConfig(2, 2, 8, 8, true), new MlpConfig(32, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2);
        Model model = RandomModels.create(bert, DType.F32, 1);
        for (Runnable build : new Runnable[] {() -> new ReferenceForward(model), () -> new ForwardPass(model, CPU)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
            for (String reason : new String[] {"after each residual add", "both directions", "hidden states",
                    "token types"}) {
                assertTrue(e.getMessage().contains(reason), e.getMessage() + " should say '" + reason + "'");
            }
        }
    }

    private static void assertMessage(Runnable call, String expectedPart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' should name '"
                + expectedPart + "'");
    }

    /** max |Δlogit| ≤ 1e-5 × max |logit| over the whole sequence (DESIGN.md section 4). */
    static void assertCloseToReference(double[][] want, float[][] got, String what) {
        LogitBounds.assertRelative(want, got, TOLERANCE, what);
    }

    static int[] randomTokens(TransformerConfig config, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = random.nextInt(config.vocabSize());
        }
        return tokens;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
