package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The BERT encoder passes: a case worked out by hand, float against double on random models, and bad input. */
class EncoderTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final KernelBackend SCALAR = new ScalarKernels();

    @AfterAll
    static void close() {
        CPU.close();
    }

    static TransformerConfig bert(int typeVocab, int heads, int kvHeads) {
        return new TransformerConfig(Architecture.BERT, 31, 16, 2, 12,
                new AttentionConfig(heads, kvHeads, 4, 4, true), new MlpConfig(37, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, typeVocab);
    }

    /**
     * hidden 2, eps 1: LayerNorm of (a, b) with gain 1 and bias 0 is (u, −u), u = d / sqrt(d² + 1), d = (a − b)/2.
     * Identity Q, K, V and Wo make attention weights softmax over √2·u_t·u_j, so position 0's output depends on
     * position 1: a causal pass would give another number.
     */
    @Test
    void tinyCaseWorkedOutByHand() {
        Model model = tinyModel();
        int[] tokens = {0, 1};
        int[] types = {0, 1};
        // embeddings: t0 = (1,0)+(0,0)+(0,0) = (1,0); t1 = (0,2)+(1,0)+(0,1) = (1,3)
        double[] u = {ln(0.5), ln(-1.0)};
        double[][] want = new double[2][];
        for (int t = 0; t < 2; t++) {
            double[] w = softmax(Math.sqrt(2) * u[t] * u[0], Math.sqrt(2) * u[t] * u[1]);
            double c = w[0] * u[0] + w[1] * u[1];
            // x + Wo·a + bo = (u + c + 0.5, −u − c): d = u + c + 0.25
            double z = ln(u[t] + c + 0.25);
            // Wup = [1, −1] on (z, −z) gives 2z; Wdown = [1, 0]^T adds gelu(2z) to the first dim
            double g = gelu(2 * z);
            double y = ln((2 * z + g) / 2);
            // final LayerNorm gain (2, 3), bias (0.1, −0.1)
            want[t] = new double[] {2 * y + 0.1, -3 * y - 0.1};
        }
        double[][] reference = new EncoderReference(model).hiddenStates(tokens, types);
        float[][] single = new EncoderForward(model, CPU).hiddenStates(tokens, types);
        for (int t = 0; t < 2; t++) {
            for (int i = 0; i < 2; i++) {
                assertEquals(want[t][i], reference[t][i], 1e-14, "reference position " + t + " dim " + i);
                assertEquals(want[t][i], single[t][i], 2e-6, "float position " + t + " dim " + i);
            }
        }
    }

    @Test
    void floatPassMatchesReferenceOnRandomModels() {
        Map<String, TransformerConfig> configs = Map.of("two token types", bert(2, 4, 4),
                "no token types", bert(0, 2, 2), "grouped kv heads", bert(3, 4, 2),
                "gelu_new, one layer", new TransformerConfig(Architecture.BERT, 20, 24, 1, 9,
                        new AttentionConfig(3, 3, 8, 8, true), new MlpConfig(50, Activation.GELU_TANH, true), 1e-5,
                        new Positions.Learned(), false, 2));
        configs.forEach((name, config) -> {
            Model model = RandomModels.create(config, DType.F32, name.hashCode());
            int n = config.maxSeqLen();
            int[] tokens = random(n, config.vocabSize(), 5);
            int[] types = random(n, Math.max(1, config.typeVocabSize()), 6);
            double[][] want = new EncoderReference(model).hiddenStates(tokens, types);
            for (KernelBackend backend : List.of(CPU, SCALAR)) {
                assertClose(want, new EncoderForward(model, backend).hiddenStates(tokens, types),
                        name + " on " + backend.name());
            }
        });
    }

    @Test
    void poolerMatchesReferenceAndIsRefusedWithoutOne() {
        TransformerConfig config = bert(2, 4, 4).withPooler(true);
        Model model = RandomModels.create(config, DType.F32, 8);
        int[] tokens = random(7, config.vocabSize(), 2);
        int[] types = random(7, 2, 3);
        EncoderReference reference = new EncoderReference(model);
        EncoderForward single = new EncoderForward(model, CPU);
        double[] want = reference.pooled(reference.hiddenStates(tokens, types));
        float[] got = single.pooled(single.hiddenStates(tokens, types));
        assertClose(new double[][] {want}, new float[][] {got}, "pooled");
        Model without = RandomModels.create(bert(2, 4, 4), DType.F32, 8);
        EncoderReference plain = new EncoderReference(without);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> plain.pooled(plain.hiddenStates(tokens, types)));
        assertTrue(e.getMessage().contains("no pooler"), e.getMessage());
    }

    /** Every position sees every other: changing the last token changes the first position's output. */
    @Test
    void attentionIsBidirectional() {
        TransformerConfig config = bert(2, 4, 4);
        Model model = RandomModels.create(config, DType.F64, 3);
        int[] tokens = random(6, config.vocabSize(), 1);
        int[] changed = tokens.clone();
        changed[5] = (tokens[5] + 1) % config.vocabSize();
        int[] types = new int[6];
        EncoderReference encoder = new EncoderReference(model);
        double a = encoder.hiddenStates(tokens, types)[0][0];
        double b = encoder.hiddenStates(changed, types)[0][0];
        assertTrue(a != b, "position 0 must see the last token");
    }

    @Test
    void refusesBadInputAndDecoders() {
        TransformerConfig config = bert(2, 4, 4);
        Model model = RandomModels.create(config, DType.F32, 2);
        EncoderReference reference = new EncoderReference(model);
        EncoderForward single = new EncoderForward(model, CPU);
        assertMessage(() -> reference.hiddenStates(new int[] {1, 2}, new int[] {0}), "2 tokens but 1 token types");
        assertMessage(() -> single.hiddenStates(new int[] {1, 2}, new int[] {0, 2}),
                "token type 2 at position 1 outside the type vocabulary [0, 2)");
        assertMessage(() -> single.hiddenStates(new int[] {31}, new int[] {0}), "token id 31");
        assertMessage(() -> reference.hiddenStates(new int[13], new int[13]), "maxSeqLen 12");
        Model noTypes = RandomModels.create(bert(0, 2, 2), DType.F32, 2);
        assertMessage(() -> new EncoderReference(noTypes).hiddenStates(new int[] {1}, new int[] {1}),
                "outside the type vocabulary [0, 1)");
        TransformerConfig gpt2 = new TransformerConfig(Architecture.GPT2, 20, 8, 1, 8,
                new AttentionConfig(2, 2, 4, 4, true), new MlpConfig(16, Activation.GELU_TANH, true), 1e-5,
                new Positions.Learned(), true);
        Model decoder = RandomModels.create(gpt2, DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EncoderForward(decoder, CPU));
        for (String reason : List.of("not a post-LayerNorm encoder", "only to earlier positions", "no embedding norm")) {
            assertTrue(e.getMessage().contains(reason), e.getMessage() + " should say '" + reason + "'");
        }
    }

    private static Model tinyModel() {
        TransformerConfig c = new TransformerConfig(Architecture.BERT, 2, 2, 1, 2,
                new AttentionConfig(1, 1, 2, 2, true), new MlpConfig(1, Activation.GELU, true), 1.0,
                new Positions.Learned(), false, 2);
        Map<TensorKey, Tensor> t = new TreeMap<>();
        put(t, c, Role.TOKEN_EMBEDDING, -1, 1, 0, 0, 2);
        put(t, c, Role.POSITION_EMBEDDING, -1, 0, 0, 1, 0);
        put(t, c, Role.TOKEN_TYPE_EMBEDDING, -1, 0, 0, 0, 1);
        put(t, c, Role.EMBEDDING_NORM, -1, 1, 1);
        put(t, c, Role.EMBEDDING_NORM_BIAS, -1, 0, 0);
        for (Role identity : List.of(Role.WQ, Role.WK, Role.WV, Role.WO)) {
            put(t, c, identity, 0, 1, 0, 0, 1);
        }
        for (Role zero : List.of(Role.BQ, Role.BK, Role.BV, Role.ATTENTION_NORM_BIAS, Role.B_DOWN)) {
            put(t, c, zero, 0, 0, 0);
        }
        put(t, c, Role.BO, 0, 0.5, 0);
        put(t, c, Role.ATTENTION_NORM, 0, 1, 1);
        put(t, c, Role.W_UP, 0, 1, -1);
        put(t, c, Role.B_UP, 0, 0);
        put(t, c, Role.W_DOWN, 0, 1, 0);
        put(t, c, Role.MLP_NORM, 0, 2, 3);
        put(t, c, Role.MLP_NORM_BIAS, 0, 0.1, -0.1);
        return new Model(c, t);
    }

    private static void put(Map<TensorKey, Tensor> tensors, TransformerConfig c, Role role, int layer,
                            double... values) {
        TensorKey key = layer < 0 ? TensorKey.global(role) : TensorKey.of(role, layer);
        tensors.put(key, Tensor.of(DType.F64, role.shape(c), values));
    }

    /** The first output of LayerNorm over two dims with eps 1, gain 1, bias 0, for d = (a − b)/2. */
    private static double ln(double d) {
        return d / Math.sqrt(d * d + 1);
    }

    private static double[] softmax(double a, double b) {
        double m = Math.max(a, b);
        double ea = Math.exp(a - m);
        double eb = Math.exp(b - m);
        return new double[] {ea / (ea + eb), eb / (ea + eb)};
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
    }

    static int[] random(int n, int bound, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(bound);
        }
        return out;
    }

    /** max |Δ| ≤ 1e-5 × max |hidden state| (DESIGN.md section 4). */
    static void assertClose(double[][] want, float[][] got, String what) {
        double scale = 0;
        double worst = 0;
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t].length, got[t].length, what + ": width at position " + t);
            for (int i = 0; i < want[t].length; i++) {
                scale = Math.max(scale, Math.abs(want[t][i]));
                worst = Math.max(worst, Math.abs(want[t][i] - got[t][i]));
            }
        }
        if (!(worst <= 1e-5 * scale)) {
            fail(what + ": max |Δ| " + worst + " > 1e-5 × " + scale);
        }
    }

    private static void assertMessage(Runnable call, String expectedPart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expectedPart), "message '" + e.getMessage() + "' should contain '"
                + expectedPart + "'");
    }
}
