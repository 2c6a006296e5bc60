package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPT-NeoX's block parts as every CPU pass reads them from the row: the parallel residual (both branches read the
 * block's input) and partial rotary (only the first int(head_dim · rotary_pct) dims of each head rotate, half-split
 * among themselves), against hand-wired computations (HF transformers modeling_gpt_neox.py, GPTNeoXLayer.forward and
 * apply_rotary_pos_emb on query[..., :rotary_ndims]).
 */
class GptNeoxPartsTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final int[][] BATCH = {{3, 17, 5, 0, 22, 9, 9, 30}, {41, 2, 2}};

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void floatPassMatchesTheReferenceDecodingAndBatched() {
        for (TransformerConfig c : new TransformerConfig[] {NeoxConfigs.pythia(),
                NeoxConfigs.pythia(false, 0.5, true, false), NeoxConfigs.pythia(true, 1.0, false, true)}) {
            Model model = RandomModels.create(c, DType.F32, 4);
            ReferenceForward reference = new ReferenceForward(model);
            for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
                ForwardPass pass = new ForwardPass(model, backend);
                String what = c.architecture().id() + " rotary " + c.positions() + " on " + backend.name();
                float[][][] batched = pass.logits(BATCH);
                for (int s = 0; s < BATCH.length; s++) {
                    double[][] want = reference.logits(BATCH[s]);
                    BlockPartsTest.assertClose(want, pass.logits(BATCH[s]), what + " decoding");
                    BlockPartsTest.assertClose(want, batched[s], what + " batched");
                }
            }
        }
    }

    /**
     * At the first position attention returns its own value row, so one block is x + Wo·(Wv·n1(x) + bv) + bo plus the
     * MLP on n2(x) (parallel) or on n2 of the stream after attention (sequential); logits = head · lnf(x).
     */
    @Test
    void residualWiringAtTheFirstPositionIsTheRowsOne() {
        for (boolean parallel : new boolean[] {true, false}) {
            TransformerConfig c = NeoxConfigs.pythia(parallel, 0.25, false, true).withLayers(1);
            Model model = RandomModels.create(c, DType.F64, 9);
            int token = 7;
            double[] want = handWired(model, token, parallel);
            double[] got = new ReferenceForward(model).logits(new int[] {token})[0];
            double[] other = handWired(model, token, !parallel);
            double apart = 0;
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-12, (parallel ? "parallel" : "sequential") + " logit " + i);
                apart = Math.max(apart, Math.abs(want[i] - other[i]));
            }
            assertTrue(apart > 1e-3, "the two wirings differ on this model: " + apart);
        }
    }

    private static double[] handWired(Model m, int token, boolean parallel) {
        TransformerConfig c = m.config();
        int h = c.hidden();
        int inner = c.mlp().size();
        double eps = c.normEps();
        double[] x = new double[h];
        System.arraycopy(m.tensor(Role.TOKEN_EMBEDDING).toDoubleArray(), token * h, x, 0, h);
        double[] n1 = ReferenceMath.layernorm(x, d(m, Role.ATTENTION_NORM), d(m, Role.ATTENTION_NORM_BIAS), eps);
        double[] v = ReferenceMath.matvec(d(m, Role.WV), n1, d(m, Role.BV), h, h);
        double[] attention = ReferenceMath.matvec(d(m, Role.WO), v, d(m, Role.BO), h, h);
        double[] afterAttention = x.clone();
        ReferenceMath.addInPlace(afterAttention, attention);
        double[] mlpIn = ReferenceMath.layernorm(parallel ? x : afterAttention, d(m, Role.MLP_NORM),
                d(m, Role.MLP_NORM_BIAS), eps);
        double[] up = ReferenceMath.matvec(d(m, Role.W_UP), mlpIn, d(m, Role.B_UP), inner, h);
        for (int i = 0; i < inner; i++) {
            up[i] = ActivationMath.gelu(up[i]);
        }
        double[] out = afterAttention;
        ReferenceMath.addInPlace(out, ReferenceMath.matvec(d(m, Role.W_DOWN), up, d(m, Role.B_DOWN), h, inner));
        double[] normed = ReferenceMath.layernorm(out, m.tensor(Role.FINAL_NORM).toDoubleArray(),
                m.tensor(Role.FINAL_NORM_BIAS).toDoubleArray(), eps);
        return ReferenceMath.matvec(m.outputHead().toDoubleArray(), normed, null, c.vocabSize(), h);
    }

    private static double[] d(Model m, Role role) {
        return m.tensor(role, 0).toDoubleArray();
    }

    /**
     * Heads of 8 with 4 rotated dims: pairs (0, 2) and (1, 3) turn by position · theta^(-2i/4), dims 4..7 pass
     * through; the float passes' gather-rotate-scatter gives the same.
     */
    @Test
    void partialRotaryTurnsOnlyTheFirstDimsOfEachHead() {
        int position = 5;
        double theta = 10000;
        RopeFrequencies frequencies = new RopeFrequencies(theta, RopeScaling.NONE, 4, 16);
        double[] vec = new double[16];
        for (int i = 0; i < vec.length; i++) {
            vec[i] = 0.1 * i - 0.7;
        }
        double[] rotated = vec.clone();
        ReferenceMath.rope(rotated, 2, 8, position, frequencies, RopeLayout.HALF_SPLIT);
        for (int head = 0; head < 2; head++) {
            int b = head * 8;
            for (int pair = 0; pair < 2; pair++) {
                double angle = position * Math.pow(theta, -2.0 * pair / 4);
                double x0 = vec[b + pair];
                double x1 = vec[b + pair + 2];
                assertEquals(x0 * Math.cos(angle) - x1 * Math.sin(angle), rotated[b + pair], 1e-15);
                assertEquals(x0 * Math.sin(angle) + x1 * Math.cos(angle), rotated[b + pair + 2], 1e-15);
            }
            for (int j = 4; j < 8; j++) {
                assertEquals(vec[b + j], rotated[b + j], 0.0, "pass-through dim " + j);
            }
        }
        for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
            float[] f = new float[vec.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) vec[i];
            }
            PartialRotary.rope(backend, f, 2, 8, position, frequencies, RopeLayout.HALF_SPLIT);
            for (int i = 0; i < f.length; i++) {
                assertEquals(rotated[i], f[i], 1e-6, backend.name() + " dim " + i);
            }
        }
    }

    /** Checked before any device is opened, so this runs on machines without OpenCL. */
    @Test
    void theDevicePassRefusesBothPartsWithTheirNames() {
        Model model = RandomModels.create(NeoxConfigs.pythia(), DType.F32, 4);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.grow4j.kernels.opencl.DeviceForwardPass.open(model, null));
        String m = e.getMessage();
        assertTrue(m.startsWith("cannot run this model on the device: gpt_neox has "), m);
        assertTrue(m.contains("a parallel residual (attention and MLP both read the block's input)"), m);
        assertTrue(m.contains("partial rotary (0.25 of each head: 2 of 8 dims rotate)"), m);
        assertTrue(m.endsWith("(use the cpu backend)"), m);
    }
}
