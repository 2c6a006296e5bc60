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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixtral's sparse block as the float pass and the double reference run it: both agree on a model whose experts all
 * differ, one expert with top-1 is the dense MLP itself, and the routing rule picks the largest logits, ties to the
 * lower index, with weights renormalised over the chosen.
 */
class MixtureOfExpertsTest {
    private static final CpuKernels CPU = new CpuKernels(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    static TransformerConfig config(Architecture family, int experts, int topK) {
        MlpConfig mlp = new MlpConfig(20, Activation.SWIGLU, false);
        return new TransformerConfig(family, 31, 16, 2, 16, new AttentionConfig(4, 2, 4, 4, false),
                experts == 0 ? mlp : mlp.withExperts(experts, topK), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT), false);
    }

    @Test
    void floatPassMatchesTheReferenceWithDistinctExperts() {
        for (int[] ek : new int[][] {{4, 2}, {8, 2}, {3, 3}, {5, 1}}) {
            Model model = RandomModels.create(config(Architecture.MIXTRAL, ek[0], ek[1]), DType.F32, 4);
            double[][] want = new ReferenceForward(model).logits(BlockPartsTest.TOKENS);
            for (KernelBackend backend : new KernelBackend[] {CPU, new ScalarKernels()}) {
                BlockPartsTest.assertClose(want, new ForwardPass(model, backend).logits(BlockPartsTest.TOKENS),
                        ek[0] + " experts top-" + ek[1] + " on " + backend.name());
            }
        }
    }

    /** With a single expert chosen with weight one, the block is the dense MLP whose weights that expert holds. */
    @Test
    void oneExpertIsTheDenseMlp() {
        Model dense = RandomModels.create(config(Architecture.MISTRAL, 0, 0), DType.F64, 8);
        TransformerConfig routed = config(Architecture.MIXTRAL, 1, 1);
        Map<TensorKey, Tensor> tensors = new TreeMap<>();
        Map<Role, Role> stacked = Map.of(Role.W_GATE, Role.EXPERT_GATE, Role.W_UP, Role.EXPERT_UP,
                Role.W_DOWN, Role.EXPERT_DOWN);
        dense.tensors().forEach((key, t) -> {
            Role expert = stacked.get(key.role());
            if (expert == null) {
                tensors.put(key, t);
            } else {
                long[] shape = new long[] {1, t.dim(0), t.dim(1)};
                tensors.put(TensorKey.of(expert, key.layer()), t.reshape(shape));
            }
        });
        for (int l = 0; l < routed.layers(); l++) {
            tensors.put(TensorKey.of(Role.ROUTER, l), Tensor.of(DType.F64, new long[] {1, routed.hidden()},
                    new double[routed.hidden()]));
        }
        Model moe = new Model(routed, tensors);
        double[][] want = new ReferenceForward(dense).logits(BlockPartsTest.TOKENS);
        double[][] got = new ReferenceForward(moe).logits(BlockPartsTest.TOKENS);
        for (int t = 0; t < want.length; t++) {
            assertArrayEquals(want[t], got[t], 0.0, "position " + t);
        }
    }

    @Test
    void topKTakesTheLargestLogitsAndBreaksTiesTowardsTheLowerIndex() {
        assertArrayEquals(new int[] {2, 0}, Routing.topK(new double[] {0.5, -1, 3, 0.1}, 2));
        assertArrayEquals(new int[] {1, 3}, Routing.topK(new double[] {0, 2, 1, 2}, 2));
        assertArrayEquals(new int[] {0, 1, 2}, Routing.topK(new double[] {7, 7, 7, 7}, 3));
    }

    @Test
    void weightsAreTheSoftmaxRenormalisedOverTheChosen() {
        double[] logits = {1, 2, 0, 3};
        double[] w = Routing.weights(logits, new int[] {3, 1});
        double e3 = Math.exp(3);
        double e2 = Math.exp(2);
        assertEquals(e3 / (e3 + e2), w[0], 1e-15);
        assertEquals(e2 / (e3 + e2), w[1], 1e-15);
    }

    /** Checked before any device is opened, so this runs on machines without OpenCL. */
    @Test
    void theDevicePassRefusesExpertsWithItsReason() {
        Model model = RandomModels.create(config(Architecture.MIXTRAL, 4, 2), DType.F32, 4);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.grow4j.kernels.opencl.DeviceForwardPass.open(model, null));
        assertEquals("cannot run this model on the device: mixtral routes each token among 4 experts, which the"
                + " OpenCL decode program does not implement yet (use the cpu backend)", e.getMessage());
    }
}
