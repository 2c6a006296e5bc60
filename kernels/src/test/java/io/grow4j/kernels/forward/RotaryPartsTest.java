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
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RoPE parts Phi-3 and SmolLM3 add, checked against models that spell the same function another way: partial
 * rotary (only the leading dims of each head rotate, at frequencies of the rotated size, transformers'
 * q[..., :rotary_dim]) and layers without RoPE (SmolLM3's no_rope_layers 0). The float pass follows the reference.
 */
class RotaryPartsTest {
    private static final CpuKernels CPU = new CpuKernels(2);
    private static final int[] TOKENS = {3, 17, 5, 0, 22, 9, 9, 30};

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Heads of 8 dims, the first 4 rotating in half-split pairs (0, 2) and (1, 3), with longrope's short factors. */
    private static TransformerConfig phi3(double fraction) {
        RopeScaling longRope = new RopeScaling.LongRope(List.of(1.0, 1.7), List.of(3.0, 4.0), 4, null, null);
        return new TransformerConfig(Architecture.PHI3, 31, 16, 2, 16, new AttentionConfig(2, 2, 8, 8, false),
                new MlpConfig(20, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, longRope, fraction), false);
    }

    /**
     * With the pass-through query rows zero, a partial-rotary head is a whole-head RoPE over its 4 leading key dims
     * (the paper's decoder, key size 4, value size 8) whose queries carry the score scale sqrt(4/8): positions past
     * longrope's original context included, so the long factors are checked too.
     */
    @Test
    void partialRotaryRotatesTheLeadingDimsAtTheirOwnFrequencies() {
        TransformerConfig partial = phi3(0.5);
        Map<TensorKey, Tensor> tensors = new TreeMap<>(RandomModels.create(partial, DType.F64, 5).tensors());
        TransformerConfig generic = new TransformerConfig(Architecture.GENERIC, 31, 16, 2, 16,
                new AttentionConfig(2, 2, 4, 8, false), partial.mlp(), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, ((Positions.Rope) partial.positions()).scaling()),
                false);
        Map<TensorKey, Tensor> narrow = new TreeMap<>(tensors);
        for (int layer = 0; layer < 2; layer++) {
            Tensor wq = tensors.get(TensorKey.of(Role.WQ, layer));
            Tensor wk = tensors.get(TensorKey.of(Role.WK, layer));
            Tensor q = Tensor.allocate(DType.F64, 8, 16);
            Tensor k = Tensor.allocate(DType.F64, 8, 16);
            for (int head = 0; head < 2; head++) {
                for (int d = 0; d < 4; d++) {
                    for (int c = 0; c < 16; c++) {
                        q.set((head * 4 + d) * 16 + c, wq.get((head * 8 + d) * 16 + c) * Math.sqrt(0.5));
                        k.set((head * 4 + d) * 16 + c, wk.get((head * 8 + d) * 16 + c));
                    }
                }
                for (int d = 4; d < 8; d++) {
                    for (int c = 0; c < 16; c++) {
                        wq.set((head * 8 + d) * 16 + c, 0);
                    }
                }
            }
            narrow.put(TensorKey.of(Role.WQ, layer), q);
            narrow.put(TensorKey.of(Role.WK, layer), k);
        }
        double[][] want = new ReferenceForward(new Model(generic, narrow)).logits(TOKENS);
        double[][] got = new ReferenceForward(new Model(partial, tensors)).logits(TOKENS);
        double diff = maxDiff(want, got);
        assertTrue(diff <= 1e-12, "partial rotary differs from the rotated prefix by " + diff);
        double whole = maxDiff(want, new ReferenceForward(new Model(phi3(0.5).withPositions(
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT)), tensors)).logits(TOKENS));
        assertTrue(whole > 1e-6, "whole-head RoPE must differ, got " + whole);
    }

    /**
     * Without RoPE, causal attention cannot tell the order of earlier tokens: in a one-layer model, swapping two
     * leaves the last logits (in deeper ones the earlier positions' own prefixes would differ).
     */
    @Test
    void aLayerWithoutRopeSeesNoOrder() {
        int[] swapped = TOKENS.clone();
        swapped[1] = TOKENS[2];
        swapped[2] = TOKENS[1];
        Model nope = RandomModels.create(smollm3(1, List.of(0)), DType.F64, 6);
        double[][] a = new ReferenceForward(nope).logits(TOKENS);
        double[][] b = new ReferenceForward(nope).logits(swapped);
        double same = maxDiff(new double[][] {a[7]}, new double[][] {b[7]});
        assertTrue(same <= 1e-12, "no-RoPE layers moved the last logits by " + same);
        Model rotating = nope.derive(smollm3(1, List.of()), nope.tensors());
        double moved = maxDiff(new double[][] {new ReferenceForward(rotating).logits(TOKENS)[7]},
                new double[][] {new ReferenceForward(rotating).logits(swapped)[7]});
        assertTrue(moved > 1e-6, "a RoPE layer must see the order, moved " + moved);
    }

    @Test
    void floatPassMatchesTheReference() {
        for (TransformerConfig config : List.of(phi3(0.5), phi3(0.5).withPositions(new Positions.Rope(1e4,
                RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.75)), smollm3(2, List.of(1)))) {
            Model model = RandomModels.create(config, DType.F32, 7);
            double[][] want = new ReferenceForward(model).logits(TOKENS);
            for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
                BlockPartsTest.assertClose(want, new ForwardPass(model, backend).logits(TOKENS),
                        config.architecture() + " on " + backend.name());
            }
        }
    }

    /**
     * The passes that rotate whole heads in every layer refuse both parts by name, GPT-NeoX's and Phi-3's partial
     * rotary with its fraction and dims; checked before any device is opened, so this runs without OpenCL.
     */
    @Test
    void theDevicePassRefusesPartialRotaryAndLayersWithoutRope() {
        Positions.Rope half = ((Positions.Rope) phi3(0.5).positions()).withScaling(RopeScaling.NONE);
        TransformerConfig both = phi3(0.5).withPositions(half.withNopeLayers(List.of(1)));
        assertEquals(List.of("partial rotary (0.75 of each head: 6 of 8 dims rotate)"), ForwardSupport.ropeParts(
                phi3(0.5).withPositions(half.withFraction(0.75))));
        assertEquals(List.of("partial rotary (0.5 of each head: 4 of 8 dims rotate)", "layers without RoPE [1]"),
                ForwardSupport.ropeParts(both));
        assertEquals(List.of(), ForwardSupport.ropeParts(smollm3(2, List.of())));
        Model model = RandomModels.create(both, DType.F32, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> io.grow4j.kernels.opencl.DeviceForwardPass.open(model, null));
        assertEquals("cannot run this model on the device: phi3 has partial rotary (0.5 of each head: 4 of 8 dims"
                + " rotate), layers without RoPE [1], which the OpenCL decode program does not implement (use the cpu"
                + " backend)", e.getMessage());
    }

    private static TransformerConfig smollm3(int layers, List<Integer> nope) {
        return new TransformerConfig(Architecture.SMOLLM3, 31, 16, layers, 16, new AttentionConfig(4, 2, 6, 6, true),
                new MlpConfig(20, Activation.SWIGLU, true), 1e-6,
                new Positions.Rope(2e6, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 1.0, nope), true);
    }

    private static double maxDiff(double[][] a, double[][] b) {
        double max = 0;
        for (int t = 0; t < a.length; t++) {
            for (int i = 0; i < a[t].length; i++) {
                max = Math.max(max, Math.abs(a[t][i] - b[t][i]));
            }
        }
        return max;
    }
}
