package io.grow4j.transforms.device;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.opencl.DecodeProgram;
import io.grow4j.kernels.opencl.DeviceForwardPass;
import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.RandomSteps;
import io.grow4j.transforms.TestConfigs;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
import io.grow4j.transforms.steps.HeadValueExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.Init;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Growth on the OpenCL device (PoCL here) against the CPU grower, tensor by tensor and bit for bit, for plans with
 * every step kind on every family, in F32 and F64; then the forward pass started from the grown device tensors.
 */
class DeviceGrowerTest {
    private static OpenClPadKernel kernel;
    private static final Grower CPU = new Grower(new CpuPadKernel());

    @BeforeAll
    static void open() {
        kernel = OpenClPadKernel.open(DeviceProfile.DEFAULT);
        assertTrue(kernel.device().info().fp64(), "bit-identical growth needs an fp64 device (PoCL has it)");
    }

    @AfterAll
    static void close() {
        kernel.close();
    }

    /** Every step kind at least once, several on each family, layer additions between widening steps. */
    static Map<String, Object[]> plans() {
        return Map.of(
                "llama", new Object[] {TestConfigs.llama(RopeLayout.HALF_SPLIT, false), List.of(
                        new MlpExpansion(50), new HeadAddition(2, false), new LayerAddition(1, List.of(1)),
                        new HeadDimExpansion(12), new HiddenExpansion(30), new HeadAddition(3, true))},
                "llama tied interleaved", new Object[] {TestConfigs.llama(RopeLayout.INTERLEAVED, true), List.of(
                        new HiddenExpansion(28), new LayerAddition(2, List.of()), new MlpExpansion(41))},
                "generic", new Object[] {TestConfigs.generic(Activation.RELU, true), List.of(
                        new HeadKeyExpansion(8), new HeadValueExpansion(9), new LayerAddition(1, List.of(0)),
                        new HiddenExpansion(26), new MlpExpansion(40), new HeadAddition(1, false))},
                "gpt2", new Object[] {TestConfigs.gpt2(true), List.of(
                        new HiddenExpansion(16), new LayerAddition(1, List.of(2)), new MlpExpansion(60),
                        new HeadAddition(1, false))},
                "bert", new Object[] {TestConfigs.bert(true), List.of(new HiddenExpansion(24), new MlpExpansion(40))},
                "llama clone and copy", new Object[] {TestConfigs.llama(RopeLayout.HALF_SPLIT, true), List.of(
                        new HiddenExpansion(48, Init.CLONE), new MlpExpansion(120, Init.CLONE),
                        new HeadAddition(4, false, Init.CLONE), new LayerAddition(1, List.of(0), Init.COPY, 1))});
    }

    @Test
    void everyStepKindMatchesTheCpuBitForBit() {
        for (Map.Entry<String, Object[]> e : plans().entrySet()) {
            TransformerConfig config = (TransformerConfig) e.getValue()[0];
            @SuppressWarnings("unchecked")
            List<GrowthStep> steps = (List<GrowthStep>) e.getValue()[1];
            // F16 and BF16: rescaled tensors are stored in F32 (GrownDTypes) on the device as on the CPU
            for (DType dtype : new DType[] {DType.F32, DType.F64, DType.F16, DType.BF16}) {
                Model model = RandomModels.create(config, dtype, e.getKey().hashCode());
                checkSame(model, new GrowthPlan(17, steps), e.getKey() + " " + dtype);
            }
        }
    }

    @Test
    void randomChainsMatchTheCpuBitForBit() {
        Random random = new Random(2026);
        List<TransformerConfig> configs = List.of(TestConfigs.llama(RopeLayout.HALF_SPLIT, true),
                TestConfigs.genericRope(RopeLayout.INTERLEAVED), TestConfigs.qwen2(false), TestConfigs.mistral(),
                TestConfigs.gpt2(false));
        for (int trial = 0; trial < 10; trial++) {
            TransformerConfig config = configs.get(trial % configs.size());
            List<GrowthStep> chain = RandomSteps.chain(config, 3, random);
            DType dtype = trial % 2 == 0 ? DType.F32 : DType.F64;
            checkSame(RandomModels.create(config, dtype, trial), new GrowthPlan(trial, chain),
                    "trial " + trial + " " + config.architecture().id() + " " + chain);
        }
    }

    @Test
    void oneCallGrowMatchesTheCpu() {
        Model model = RandomModels.create(TestConfigs.generic(Activation.GELU, false), DType.F32, 5);
        GrowthPlan plan = new GrowthPlan(9, List.of(new MlpExpansion(40), new LayerAddition(1, List.of())));
        assertSameTensors(CPU.grow(model, plan), DeviceGrower.grow(model, plan, DeviceProfile.DEFAULT), "one call");
    }

    /** The grown tensors feed the decoder where they are; same weights, same kernels: the very same logits. */
    @Test
    void forwardStartsFromTheGrownDeviceTensors() {
        int[] tokens = {1, 5, 9, 2, 30, 7, 7, 0};
        for (TransformerConfig config : List.of(TestConfigs.llama(RopeLayout.HALF_SPLIT, false),
                TestConfigs.gpt2(true))) {
            for (DType dtype : new DType[] {DType.F32, DType.F64}) {
                Model model = RandomModels.create(config, dtype, 11);
                GrowthPlan plan = new GrowthPlan(4, List.of(new MlpExpansion(config.mlp().size() + 8),
                        new LayerAddition(1, List.of(1)), new HiddenExpansion(config.hidden() + 4)));
                Model cpuGrown = CPU.grow(model, plan);
                DecodeProgram program = DecodeProgram.build(kernel.device(), DeviceProfile.DEFAULT);
                DeviceGrower grower = new DeviceGrower(kernel);
                try (DeviceModel grown = grower.grow(grower.upload(model), plan);
                     DeviceForwardPass fromDevice = DeviceForwardPass.fromDevice(grown.config(), grown.tensors(),
                             program);
                     DeviceForwardPass fromHost = new DeviceForwardPass(cpuGrown, program);
                     CpuKernels cpu = new CpuKernels(2)) {
                    String what = config.architecture().id() + " " + dtype;
                    float[][] got = fromDevice.logits(tokens);
                    float[][] host = fromHost.logits(tokens);
                    float[][] cpuLogits = new ForwardPass(cpuGrown, cpu).logits(tokens);
                    for (int i = 0; i < tokens.length; i++) {
                        assertArrayEquals(host[i], got[i], what + ", position " + i);
                    }
                    assertClose(cpuLogits, got, what);
                }
            }
        }
    }

    @Test
    void statisticsReadUploadedTensorsAndDownloadOnlyGrownOnes() {
        Model model = RandomModels.create(TestConfigs.llama(RopeLayout.HALF_SPLIT, false), DType.F32, 3);
        DeviceGrower oneStep = new DeviceGrower(kernel);
        try (DeviceModel grown = oneStep.grow(oneStep.upload(model),
                new GrowthPlan(1, List.of(new HiddenExpansion(28))))) {
            assertEquals(0, oneStep.statisticsDownloads(), "the first step reads the uploaded host tensors");
        }
        DeviceGrower twoSteps = new DeviceGrower(kernel);
        try (DeviceModel grown = twoSteps.grow(twoSteps.upload(model),
                new GrowthPlan(1, List.of(new HiddenExpansion(28), new MlpExpansion(48))))) {
            // mlp expansion's arbitrary rows follow w_gate and w_up, which hidden expansion rewrote: 2 per layer
            assertEquals(2L * model.config().layers(), twoSteps.statisticsDownloads());
        }
    }

    @Test
    void badPlansTouchNothingAndGrownInputsAreHandedOver() {
        Model model = RandomModels.create(TestConfigs.llama(RopeLayout.HALF_SPLIT, false), DType.F32, 3);
        DeviceGrower grower = new DeviceGrower(kernel);
        try (DeviceModel uploaded = grower.upload(model)) {
            GrowthPlan bad = new GrowthPlan(1, List.of(new MlpExpansion(10), new HiddenExpansion(20)));
            PlanException e = assertThrows(PlanException.class, () -> grower.grow(uploaded, bad));
            assertTrue(e.getMessage().contains("step 1") && e.getMessage().contains("step 2"), e.getMessage());
            GrowthPlan noisy = new GrowthPlan(1, List.of(new MlpExpansion(80, Init.CLONE, 0.01)));
            e = assertThrows(PlanException.class, () -> grower.grow(uploaded, noisy));
            assertEquals(List.of("step 1 (mlp): clone noise is applied on the host, not on an OpenCL device (grow"
                    + " with --backend cpu)"), e.problems());
            assertEquals(model.tensors().size(), uploaded.tensors().size(), "still usable after a refused plan");
            try (DeviceModel grown = grower.grow(uploaded, new GrowthPlan(1, List.of(new MlpExpansion(48))))) {
                assertThrows(IllegalStateException.class, uploaded::tensors);
                assertSameTensors(CPU.grow(model, new GrowthPlan(1, List.of(new MlpExpansion(48)))),
                        grown.download(), "after hand-over");
            }
        }
    }

    /**
     * Head size under QK-norm: the default orthonormal fill is computed on the host, so the device refuses it naming
     * init: clone, whose tiled copies it grows bit for bit like the CPU.
     */
    @Test
    void qkNormHeadSizeGrowsOnTheDeviceOnlyAsAClone() {
        TransformerConfig qwen3 = new TransformerConfig(io.grow4j.model.Architecture.QWEN3, 37, 24, 2, 16,
                new io.grow4j.model.AttentionConfig(4, 2, 8, 8, false), new io.grow4j.model.MlpConfig(40,
                Activation.SWIGLU, false), 1e-5, new io.grow4j.model.Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                false);
        Model model = RandomModels.create(qwen3, DType.F64, 3);
        DeviceGrower grower = new DeviceGrower(kernel);
        try (DeviceModel uploaded = grower.upload(model)) {
            PlanException e = assertThrows(PlanException.class, () -> grower.grow(uploaded,
                    new GrowthPlan(1, List.of(new HeadDimExpansion(16)))));
            assertEquals(List.of("step 1 (head_dim): the orthonormal fill of new query dims is computed on the host,"
                    + " not on an OpenCL device (grow with --backend cpu, or with init: clone, which copies old query"
                    + " dims)"), e.problems());
        }
        checkSame(model, new GrowthPlan(1, List.of(new HeadDimExpansion(16, Init.CLONE))), "qwen3 head_dim clone");
    }

    private void checkSame(Model model, GrowthPlan plan, String what) {
        Model want = CPU.grow(model, plan);
        DeviceGrower grower = new DeviceGrower(kernel);
        try (DeviceModel grown = grower.grow(grower.upload(model), plan)) {
            assertEquals(want.config(), grown.config(), what);
            assertSameTensors(want, grown.download(), what);
        }
    }

    static void assertSameTensors(Model want, Model got, String what) {
        assertEquals(want.tensors().keySet(), got.tensors().keySet(), what + ": tensor keys");
        for (TensorKey key : want.tensors().keySet()) {
            Tensor a = want.tensor(key);
            Tensor b = got.tensor(key);
            assertEquals(a.dtype(), b.dtype(), what + ": dtype of " + key);
            assertArrayEquals(a.shape(), b.shape(), what + ": shape of " + key);
            long at = a.data().mismatch(b.data());
            if (at >= 0) {
                long index = at / a.dtype().bytes();
                fail(what + ": " + key + " differs at element " + index + ": cpu " + a.get(index) + ", device "
                        + b.get(index));
            }
        }
    }

    private static void assertClose(float[][] want, float[][] got, String what) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                scale = Math.max(scale, Math.abs(want[i][j]));
                worst = Math.max(worst, Math.abs((double) want[i][j] - got[i][j]));
            }
        }
        assertTrue(worst <= 1e-5 * scale, what + ": max |Δlogit| " + worst + " > 1e-5 × " + scale);
    }

}
