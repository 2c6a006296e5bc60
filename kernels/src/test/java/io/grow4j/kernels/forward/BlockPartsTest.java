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
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.RopePermutation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block parts Qwen3 and OLMo-2 add (QK-norm per head or over the whole projection, norms after each branch), as
 * every pass reads them from the family's row: the float pass against the double reference (the device pass in
 * DeviceForwardPassTest), and invariances that
 * hold only when a part is applied where the row puts it. Epsilon is 0 in the invariance checks, so RMSNorm is
 * exactly scale-free there.
 */
public class BlockPartsTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    public static final int[] TOKENS = {3, 17, 5, 0, 22, 9, 9, 30};

    @AfterAll
    static void close() {
        CPU.close();
    }

    public static TransformerConfig config(Architecture architecture, double eps) {
        return new TransformerConfig(architecture, 31, 16, 2, 16, new AttentionConfig(4, 2, 6, 6, true, true),
                new MlpConfig(20, Activation.SWIGLU, false), eps, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                false);
    }

    @Test
    void floatPassMatchesTheReference() {
        for (Architecture family : new Architecture[] {Architecture.QWEN3, Architecture.OLMO2}) {
            Model model = RandomModels.create(config(family, 1e-5), DType.F32, 4);
            double[][] want = new ReferenceForward(model).logits(TOKENS);
            for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
                assertClose(want, new ForwardPass(model, backend).logits(TOKENS), family + " on " + backend.name());
            }
        }
    }

    /** max |Δ| ≤ 1e-5 of the largest reference logit, the single-precision bound. */
    public static void assertClose(double[][] want, float[][] got, String what) {
        double worst = 0;
        double scale = 0;
        for (int t = 0; t < want.length; t++) {
            for (int i = 0; i < want[t].length; i++) {
                worst = Math.max(worst, Math.abs(want[t][i] - got[t][i]));
                scale = Math.max(scale, Math.abs(want[t][i]));
            }
        }
        assertTrue(worst <= 1e-5 * scale, what + ": " + worst + " of " + scale);
    }

    /** Per-head QK-norm: one query head scaled alone changes nothing; over the whole projection it does. */
    @Test
    void qkNormIsPerHeadOrOverTheWholeProjectionAsTheRowSays() {
        assertEquals(0, logitChange(Architecture.QWEN3, Role.WQ, Role.BQ, 6, 3.0), 1e-12);
        assertTrue(logitChange(Architecture.OLMO2, Role.WQ, Role.BQ, 6, 3.0) > 1e-3);
        assertEquals(0, logitChange(Architecture.OLMO2, Role.WK, Role.BK, 12, 3.0), 1e-12, "every key row scaled");
        assertTrue(logitChange(Architecture.LLAMA, Role.WK, Role.BK, 12, 3.0) > 1e-3, "no QK-norm in Llama");
    }

    /** OLMo-2 norms each branch's output: scaling the output projections changes nothing; in Llama it does. */
    @Test
    void postBranchNormsFollowTheBranches() {
        assertEquals(0, logitChange(Architecture.OLMO2, Role.WO, Role.BO, 16, 2.5), 1e-12);
        assertTrue(logitChange(Architecture.QWEN3, Role.WO, Role.BO, 16, 2.5) > 1e-3);
    }

    /**
     * Converting the RoPE layout permutes each head's query and key dims; QK-norm gains scale those dims, so they must
     * move with them (per head: the shared gain; whole projection: every head's slice), or the logits change.
     */
    @Test
    void ropeLayoutConversionMovesTheQkNormGains() {
        for (Architecture family : new Architecture[] {Architecture.QWEN3, Architecture.OLMO2}) {
            Model model = RandomModels.create(config(family, 1e-5), DType.F64, 12);
            Model interleaved = RopePermutation.toLayout(model, RopeLayout.INTERLEAVED);
            double[][] before = new ReferenceForward(model).logits(TOKENS);
            double[][] after = new ReferenceForward(interleaved).logits(TOKENS);
            for (int t = 0; t < before.length; t++) {
                for (int i = 0; i < before[t].length; i++) {
                    assertEquals(before[t][i], after[t][i], 1e-12, family + " position " + t + " logit " + i);
                }
            }
        }
    }

    /** max |Δlogit| (reference, eps 0) after scaling the first {@code rows} rows of weight and bias in every layer. */
    private static double logitChange(Architecture family, Role weight, Role bias, int rows, double factor) {
        Model model = RandomModels.create(config(family, 0.0), DType.F64, 8);
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        for (int layer = 0; layer < model.config().layers(); layer++) {
            for (Role role : new Role[] {weight, bias}) {
                Tensor old = tensors.get(TensorKey.of(role, layer));
                Tensor t = Tensor.of(old.dtype(), old.shape(), old.toDoubleArray());
                long perRow = t.size() / t.dim(0);
                for (long i = 0; i < rows * perRow; i++) {
                    t.set(i, t.get(i) * factor);
                }
                tensors.put(TensorKey.of(role, layer), t);
            }
        }
        double[][] before = new ReferenceForward(model).logits(TOKENS);
        double[][] after = new ReferenceForward(model.derive(model.config(), tensors)).logits(TOKENS);
        double max = 0;
        for (int t = 0; t < before.length; t++) {
            for (int i = 0; i < before[t].length; i++) {
                max = Math.max(max, Math.abs(before[t][i] - after[t][i]));
            }
        }
        return max;
    }
}
