package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.grow4j.model.AttentionShape.LayerAttention.FULL;
import static io.grow4j.model.AttentionShape.LayerAttention.SLIDING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemma's block parts as the float pass and the double reference read them from the row and the model's
 * {@link AttentionShape}: the passes agree, and each part acts where it should (checked by invariances that hold only
 * when it does): the sliding window hides positions, the soft caps bound the logits, query_pre_attn_scalar sets the
 * scale whatever the head size, sliding layers use the local RoPE base, (1 + w) gains, the embedding multiplier in
 * the embedding's dtype.
 */
class GemmaPartsTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final int[] TOKENS = {3, 17, 5, 0, 22, 9, 9, 30, 1, 12};

    @AfterAll
    static void close() {
        CPU.close();
    }

    static TransformerConfig config(Architecture family, List<LayerAttention> types, double attentionCap,
                                    double finalCap, double scalar, double localTheta) {
        return new TransformerConfig(family, 31, 16, types.size(), 16, new AttentionConfig(4, 2, 6, 6, false),
                new MlpConfig(20, Activation.GEGLU_TANH, false), 1e-5, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(scalar, attentionCap, finalCap, 3, localTheta, types));
    }

    @Test
    void floatPassMatchesTheReferenceInEveryPath() {
        for (TransformerConfig c : List.of(config(Architecture.GEMMA2, List.of(SLIDING, FULL), 2.0, 3.0, 10, 0),
                config(Architecture.GEMMA3, List.of(SLIDING, FULL), 0, 2.5, 10, 1e3))) {
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                Model model = RandomModels.create(c, dtype, 4);
                double[][] want = new ReferenceForward(model).logits(TOKENS);
                for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
                    String what = c.architecture().id() + " " + dtype + " on " + backend.name();
                    ForwardPass pass = new ForwardPass(model, backend);
                    BlockPartsTest.assertClose(want, pass.logits(TOKENS), what);
                    BlockPartsTest.assertClose(want, pass.logits(new int[][] {TOKENS})[0], what + " batched");
                }
            }
        }
    }

    /** Positions more than sliding_window − 1 back are invisible to sliding layers only. */
    @Test
    void slidingLayersSeeTheLastWindowOfPositions() {
        int last = TOKENS.length - 1;
        int[] changed = TOKENS.clone();
        changed[last - 3] = 7;
        Model sliding = RandomModels.create(config(Architecture.GEMMA2, List.of(SLIDING), 0, 0, 10, 0), DType.F64, 5);
        assertEquals(0, diff(sliding, sliding, TOKENS, changed, last), 0.0, "a token 3 back is outside the window");
        changed[last - 3] = TOKENS[last - 3];
        changed[last - 2] = 7;
        assertTrue(diff(sliding, sliding, TOKENS, changed, last) > 1e-6, "a token 2 back is inside");
        changed[last - 2] = TOKENS[last - 2];
        changed[last - 3] = 7;
        Model full = RandomModels.create(config(Architecture.GEMMA2, List.of(FULL), 0, 0, 10, 0), DType.F64, 5);
        assertTrue(diff(full, full, TOKENS, changed, last) > 1e-6, "full layers see everything");
    }

    @Test
    void finalSoftCapBoundsTheLogitsAndAttentionCapActs() {
        Model capped = RandomModels.create(config(Architecture.GEMMA2, List.of(FULL), 0, 0.5, 10, 0), DType.F64, 6);
        for (double[] row : new ReferenceForward(capped).logits(TOKENS)) {
            for (double z : row) {
                assertTrue(Math.abs(z) <= 0.5, "logit " + z + " past the cap");
            }
        }
        Model loose = RandomModels.create(config(Architecture.GEMMA2, List.of(FULL), 0, 0, 10, 0), DType.F64, 6);
        Model tight = loose.derive(config(Architecture.GEMMA2, List.of(FULL), 0.05, 0, 10, 0), loose.tensors());
        assertTrue(diff(loose, tight, TOKENS, TOKENS, TOKENS.length - 1) > 1e-6, "attention soft cap");
    }

    /**
     * Logits are scaled by query_pre_attn_scalar^-0.5: queries × sqrt(s'/s) with the scalar s' give the same logits
     * (Gemma 2, no QK-norm), and the scalar alone changes them.
     */
    @Test
    void attentionScaleIsTheModelsScalar() {
        TransformerConfig c = config(Architecture.GEMMA2, List.of(SLIDING, FULL), 2.0, 0, 10, 0);
        Model model = RandomModels.create(c, DType.F64, 7);
        TransformerConfig other = config(Architecture.GEMMA2, List.of(SLIDING, FULL), 2.0, 0, 40, 0);
        Model rescaled = model.derive(other, scaled(model, Role.WQ, 2.0));
        assertEquals(0, diff(model, rescaled, TOKENS, TOKENS, TOKENS.length - 1), 1e-12);
        assertTrue(diff(model, model.derive(other, model.tensors()), TOKENS, TOKENS, TOKENS.length - 1) > 1e-6);
    }

    @Test
    void slidingLayersOfGemma3UseTheLocalBase() {
        Model model = RandomModels.create(config(Architecture.GEMMA3, List.of(SLIDING, FULL), 0, 0, 10, 1e3),
                DType.F64, 8);
        Model otherBase = model.derive(config(Architecture.GEMMA3, List.of(SLIDING, FULL), 0, 0, 10, 50),
                model.tensors());
        assertTrue(diff(model, otherBase, TOKENS, TOKENS, TOKENS.length - 1) > 1e-6);
        Model allFull = RandomModels.create(config(Architecture.GEMMA3, List.of(FULL, FULL), 0, 0, 10, 1e3),
                DType.F64, 8);
        Model allFullOther = allFull.derive(config(Architecture.GEMMA3, List.of(FULL, FULL), 0, 0, 10, 50),
                allFull.tensors());
        assertEquals(0, diff(allFull, allFullOther, TOKENS, TOKENS, TOKENS.length - 1), 0.0);
    }

    /** Norms multiply by (1 + w): a final gain w = −1 zeroes every logit (a plain gain of −1 would not). */
    @Test
    void gainsAreOnePlusW() {
        TransformerConfig c = config(Architecture.GEMMA3, List.of(FULL), 0, 0, 10, 0);
        Model model = RandomModels.create(c, DType.F64, 9);
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        tensors.put(TensorKey.global(Role.FINAL_NORM), Tensor.of(DType.F64, new long[] {c.hidden()},
                Collections.nCopies(c.hidden(), -1.0).stream().mapToDouble(Double::doubleValue).toArray()));
        for (double[] row : new ReferenceForward(model.derive(c, tensors)).logits(TOKENS)) {
            for (double z : row) {
                assertEquals(0, z, 0.0);
            }
        }
    }

    @Test
    void embeddingMultiplierIsRoundedToTheEmbeddingsDtype() {
        TransformerConfig c = config(Architecture.GEMMA2, List.of(FULL), 0, 0, 10, 0);
        assertEquals(4.0, ShapedScores.embeddingMultiplier(c, DType.BF16)); // sqrt(16)
        TransformerConfig wide = c.withHidden(24, c.normEps());
        assertEquals(4.90625, ShapedScores.embeddingMultiplier(wide, DType.BF16)); // sqrt(24) = 4.899 in bfloat16
        assertEquals((double) (float) Math.sqrt(24), ShapedScores.embeddingMultiplier(wide, DType.F32));
        assertEquals(Math.sqrt(24), ShapedScores.embeddingMultiplier(wide, DType.F64));
        assertNotEquals(ShapedScores.embeddingMultiplier(wide, DType.F32), Math.sqrt(24));
        assertEquals(1.0, ShapedScores.embeddingMultiplier(BlockPartsTest.config(Architecture.QWEN3, 1e-5),
                DType.BF16));
    }

    @Test
    void theDevicePassRefusesGemmaNamingTheParts() {
        TransformerConfig c = config(Architecture.GEMMA2, List.of(SLIDING, FULL), 2.0, 3.0, 10, 0);
        assertEquals(List.of("(1 + w) RMSNorm gains", "sandwich norms", "embeddings x sqrt(hidden)", "GeGLU",
                "attention scale query_pre_attn_scalar^-0.5", "logit soft-capping", "sliding-window layers"),
                ForwardSupport.gemmaParts(c));
        assertEquals(List.of(), ForwardSupport.gemmaParts(BlockPartsTest.config(Architecture.QWEN3, 1e-5)));
        assertThrows(IllegalArgumentException.class, () -> new AttentionShape(10, 0, 0, 0, 0, List.of(SLIDING)));
    }

    private static Map<TensorKey, Tensor> scaled(Model model, Role role, double factor) {
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        for (int layer = 0; layer < model.config().layers(); layer++) {
            Tensor old = tensors.get(TensorKey.of(role, layer));
            double[] v = old.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                v[i] *= factor;
            }
            tensors.put(TensorKey.of(role, layer), Tensor.of(old.dtype(), old.shape(), v));
        }
        return tensors;
    }

    /** max |Δ| between a's logits on x and b's on y at position t. */
    private static double diff(Model a, Model b, int[] x, int[] y, int t) {
        double[] p = new ReferenceForward(a).logits(x)[t];
        double[] q = new ReferenceForward(b).logits(y)[t];
        double max = 0;
        for (int i = 0; i < p.length; i++) {
            max = Math.max(max, Math.abs(p[i] - q[i]));
        }
        return max;
    }
}
