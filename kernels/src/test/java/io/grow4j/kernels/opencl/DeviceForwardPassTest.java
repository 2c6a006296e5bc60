package io.grow4j.kernels.opencl;

import io.grow4j.kernels.forward.LogitBounds;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.MatmulVariant;
import io.grow4j.kernels.device.WorkGroupSizes;
import io.grow4j.kernels.forward.BlockPartsTest;
import io.grow4j.kernels.forward.Generator;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.kernels.forward.Stories260KTest;
import io.grow4j.kernels.forward.TestConfigs;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.RequiresSharedData;
import io.grow4j.model.format.Llama2cFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device-resident forward pass against the double reference on every config shape, in both kernel layouts: the
 * rows layout PoCL runs by default, and the group layout of GPUs forced on PoCL with small groups, so that partial
 * groups and strided reductions are exercised too.
 */
class DeviceForwardPassTest {
    private static final double TOLERANCE = 1e-5;
    /** Small groups: many partial groups and reduction steps on tiny models. */
    private static final WorkGroupSizes SMALL = new WorkGroupSizes(16, 8, 8, 16, 4, 8, 16);
    private static ClDevice device;
    private static DecodeProgram rows;
    private static DecodeProgram groups;

    @BeforeAll
    static void open() {
        device = ClDevice.open(DeviceProfile.DEFAULT.device());
        rows = DecodeProgram.build(device, DeviceProfile.DEFAULT.withMatmulKernel(MatmulVariant.BLOCKED));
        groups = DecodeProgram.build(device, DeviceProfile.DEFAULT.withWorkGroups(SMALL)
                .withMatmulKernel(MatmulVariant.TILED));
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @Test
    void matchesTheReferenceOnEveryConfigInBothLayouts() {
        for (Map.Entry<String, TransformerConfig> e : TestConfigs.all().entrySet()) {
            TransformerConfig config = e.getValue();
            Model model = RandomModels.create(config, DType.F32, e.getKey().hashCode());
            int[] tokens = randomTokens(config, config.maxSeqLen(), 7); // past the first cache capacity of 16
            double[][] want = new ReferenceForward(model).logits(tokens);
            for (DecodeProgram program : List.of(rows, groups)) {
                try (DeviceForwardPass pass = new DeviceForwardPass(model, program)) {
                    assertCloseToReference(want, pass.logits(tokens), e.getKey() + ", " + program.layout() + " layout");
                }
            }
        }
    }

    /** Qwen3's per-head QK-norm, OLMo-2's post-branch norms and whole-projection QK-norm, read from the rows. */
    @Test
    void qkNormAndPostBranchNormsMatchTheReference() {
        for (Architecture family : new Architecture[] {Architecture.QWEN3, Architecture.OLMO2}) {
            Model model = RandomModels.create(BlockPartsTest.config(family, 1e-5), DType.F32, 4);
            double[][] want = new ReferenceForward(model).logits(BlockPartsTest.TOKENS);
            for (DecodeProgram program : List.of(rows, groups)) {
                try (DeviceForwardPass pass = new DeviceForwardPass(model, program)) {
                    assertCloseToReference(want, pass.logits(BlockPartsTest.TOKENS),
                            family + ", " + program.layout() + " layout");
                }
            }
        }
    }

    /** Rows not a multiple of 4 or 16, columns not a multiple of 16, GQA, several row groups. */
    @Test
    void wideModelMatches() {
        TransformerConfig config = TestConfigs.wide();
        Model model = RandomModels.create(config, DType.F32, 3);
        int[] tokens = randomTokens(config, 40, 11);
        double[][] want = new ReferenceForward(model).logits(tokens);
        for (DecodeProgram program : List.of(rows, groups)) {
            try (DeviceForwardPass pass = new DeviceForwardPass(model, program)) {
                assertCloseToReference(want, pass.logits(tokens), "wide, " + program.layout() + " layout");
            }
        }
    }

    @RequiresSharedData("stories260K.bin")
    @Test
    void storiesGivesRunCGreedyIds() throws IOException {
        Model model = new Llama2cFormat().read(Stories260KTest.findCheckpoint());
        int[] runC = {461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264};
        for (DecodeProgram program : List.of(rows, groups)) {
            try (DeviceForwardPass pass = new DeviceForwardPass(model, program)) {
                assertArrayEquals(runC, Generator.greedy(pass.newSession(), 16), program.layout() + " layout");
            }
        }
    }

    /** Interleaved sessions keep their own caches; feeding one at a time is what logits() does. */
    @Test
    void sessionsAreIndependent() {
        TransformerConfig config = TestConfigs.all().get("llama half-split untied qkv bias");
        Model model = RandomModels.create(config, DType.F32, 4);
        int[] a = randomTokens(config, 20, 1);
        int[] b = randomTokens(config, 20, 2);
        try (DeviceForwardPass pass = new DeviceForwardPass(model, rows)) {
            float[][] wantA = pass.logits(a);
            float[][] wantB = pass.logits(b);
            DeviceDecodingSession sa = pass.newSession();
            DeviceDecodingSession sb = pass.newSession();
            for (int i = 0; i < a.length; i++) {
                assertEquals(i, sa.position());
                assertArrayEquals(wantA[i], sa.next(a[i]), "session a, position " + i);
                assertArrayEquals(wantB[i], sb.next(b[i]), "session b, position " + i);
            }
        }
    }

    /** Tensors already on the device: F32 read in place, F64 converted there; same logits as uploading. */
    @Test
    void startsFromDeviceTensors() {
        TransformerConfig config = TestConfigs.all().get("gpt2 layernorm gelu-tanh learned tied");
        int[] tokens = randomTokens(config, 12, 5);
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            Model model = RandomModels.create(config, dtype, 8);
            Map<TensorKey, DeviceTensor> onDevice = new HashMap<>();
            try (OpenClPadKernel pad = new OpenClPadKernel(device, 16);
                 DeviceForwardPass uploaded = new DeviceForwardPass(model, rows)) {
                model.tensors().forEach((k, t) -> onDevice.put(k, pad.upload(t)));
                float[][] want = uploaded.logits(tokens);
                try (DeviceForwardPass fromDevice = DeviceForwardPass.fromDevice(config, onDevice, rows)) {
                    float[][] got = fromDevice.logits(tokens);
                    for (int i = 0; i < tokens.length; i++) {
                        assertArrayEquals(want[i], got[i], dtype + ", position " + i);
                    }
                }
            } finally {
                onDevice.values().forEach(DeviceTensor::close);
            }
        }
    }

    @Test
    void deviceTensorsThatDisagreeWithTheConfigAreNamed() {
        TransformerConfig config = TestConfigs.all().get("llama mha one layer");
        Model model = RandomModels.create(config, DType.F32, 1);
        Map<TensorKey, DeviceTensor> onDevice = new HashMap<>();
        try (OpenClPadKernel pad = new OpenClPadKernel(device, 16)) {
            model.tensors().forEach((k, t) -> onDevice.put(k, pad.upload(t)));
            TensorKey wq = TensorKey.of(io.grow4j.model.Role.WQ, 0);
            onDevice.get(wq).close();
            onDevice.put(wq, pad.allocate(DType.F32, 3, 3));
            onDevice.remove(TensorKey.of(io.grow4j.model.Role.W_GATE, 0)).close();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DeviceForwardPass.fromDevice(config, onDevice, rows));
            assertTrue(e.getMessage().contains("layers.0.wq: expected shape [16, 16]"), e.getMessage());
            assertTrue(e.getMessage().contains("missing tensor layers.0.w_gate"), e.getMessage());
        } finally {
            onDevice.values().forEach(DeviceTensor::close);
        }
    }

    @Test
    void planNamesEveryStep() {
        TransformerConfig config = TestConfigs.all().get("llama gqa interleaved tied");
        try (DeviceForwardPass pass = new DeviceForwardPass(RandomModels.create(config, DType.F32, 2), rows)) {
            List<String> names = pass.plan().names();
            assertEquals(List.of("embed", "layer_0.attention_norm", "layer_0.qkv_projection", "layer_0.rope",
                    "layer_0.attention", "layer_0.output_projection", "layer_0.mlp_norm", "layer_0.mlp_up",
                    "layer_0.mlp_down"), names.subList(0, 9));
            assertEquals(List.of("final_norm", "lm_head"), names.subList(names.size() - 2, names.size()));
            assertEquals(1 + 8 * config.layers() + 2, names.size());
            Map<String, Double> profile = pass.newSession().profileNext(3);
            assertEquals(names, List.copyOf(profile.keySet()));
        }
    }

    @Test
    void rejectsBadTokensLongSequencesAndBert() {
        TransformerConfig config = TestConfigs.all().get("llama gqa interleaved tied");
        try (DeviceForwardPass pass = new DeviceForwardPass(RandomModels.create(config, DType.F32, 1), rows)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pass.logits(new int[] {1, config.vocabSize()}));
            assertTrue(e.getMessage().contains("token id " + config.vocabSize()), e.getMessage());
            DeviceDecodingSession session = pass.newSession();
            for (int i = 0; i < config.maxSeqLen(); i++) {
                session.next(0);
            }
            e = assertThrows(IllegalArgumentException.class, () -> session.next(0));
            assertTrue(e.getMessage().contains("position " + config.maxSeqLen()), e.getMessage());
            session.close();
            assertThrows(IllegalStateException.class, () -> session.next(0));
        }
        TransformerConfig bert = new TransformerConfig(Architecture.BERT, 30, 16, 1, 8,
                new AttentionConfig(2, 2, 8, 8, true), new MlpConfig(32, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DeviceForwardPass(RandomModels.create(bert, DType.F32, 1), rows));
        assertTrue(e.getMessage().contains("both directions"), e.getMessage());
    }

    @Test
    void groupsTheDeviceCannotRunAreNamed() {
        int tooMany = Integer.highestOneBit(device.info().maxWorkGroupSize()) * 2;
        DeviceProfile profile = DeviceProfile.DEFAULT.withMatmulKernel(MatmulVariant.TILED)
                .withWorkGroups(new WorkGroupSizes(null, null, null, tooMany, null, null, null));
        OpenClException e = assertThrows(OpenClException.class, () -> DecodeProgram.build(device, profile));
        assertTrue(e.getMessage().contains("work-group size " + tooMany + " for the decoder's rmsnorm"), e.getMessage());
        assertTrue(e.getMessage().contains(device.info().describe()), e.getMessage());
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
}
