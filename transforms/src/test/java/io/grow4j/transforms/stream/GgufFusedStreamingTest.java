package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
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
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed growth of GGUF files whose tensors stack several model tensors along rows (phi3's attn_qkv and ffn_up =
 * gate | up, gptneox's attn_qkv weight and bias): the same bytes as growing in memory, each part read from its rows
 * of the source tensor and written after the part before it.
 */
class GgufFusedStreamingTest {
    private static final GgufFormat GGUF = new GgufFormat();

    static TransformerConfig phi3() {
        return new TransformerConfig(Architecture.PHI3, 37, 32, 2, 16, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.75), false);
    }

    static Stream<Arguments> cases() {
        TransformerConfig phi3 = phi3();
        TransformerConfig neox = NeoxConfigs.pythia(true, 0.25, false, true)
                .withMlp(new MlpConfig(40, Activation.GELU_TANH, true));
        TransformerConfig sequential = NeoxConfigs.pythia(false, 0.5, true, true);
        return Stream.of(
                Arguments.of("phi3 layers only, f32: every part copied", RandomModels.create(phi3, DType.F32, 1),
                        plan(new LayerAddition(1, List.of(1)))),
                Arguments.of("phi3 every step, f32", RandomModels.create(phi3, DType.F32, 2),
                        plan(new MlpExpansion(48), new HeadAddition(2, false), new HeadDimExpansion(16),
                                new HiddenExpansion(96), new LayerAddition(1, List.of(0)))),
                Arguments.of("phi3 LongRoPE, head size x 2: factor tensors spread after the model's",
                        RandomModels.create(phi3.withPositions(new Positions.Rope(1e4, RopeLayout.HALF_SPLIT,
                                new RopeScaling.LongRope(List.of(1.0, 1.25, 1.5), List.of(2.0, 3.0, 5.0), 4, null,
                                        1.125), 0.75)), DType.F32, 5),
                        plan(new HeadDimExpansion(16), new HiddenExpansion(64), new LayerAddition(1, List.of(2)))),
                Arguments.of("gptneox parallel every step, f32", RandomModels.create(neox, DType.F32, 3),
                        plan(new MlpExpansion(48), new HeadAddition(2, false), new HeadDimExpansion(16),
                                new HiddenExpansion(96), new LayerAddition(1, List.of(2)))),
                Arguments.of("gptneox sequential, exact GELU, f16", RandomModels.create(sequential, DType.F16, 4),
                        plan(new LayerAddition(1, List.of(0)), new HeadAddition(1, false), new HiddenExpansion(40))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamedFusedGgufIsByteIdenticalToInMemory(String name, Model model, GrowthPlan plan, @TempDir Path tmp)
            throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(model, in);
        StreamedGgufMatchesInMemoryTest.assertSameFile(in, plan, 1L << 20, tmp);
    }

    /**
     * Head-size growth rescales a half-precision phi3's Q and K (1/sqrt(head size) changes) into F32 beside a BF16 V: the stacked tensor would mix
     * dtypes, which a streamed write (parts as they are) cannot hold, so it is refused with the tensor named.
     */
    @Test
    void partsOfMixedGrownDtypesAreRefusedBeforeWriting(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(phi3(), DType.BF16, 5), in);
        Path out = tmp.resolve("out.gguf");
        PlanException e = assertThrows(PlanException.class, () -> new StreamingGrower(new CpuPadKernel(),
                new StreamOptions(Long.MAX_VALUE, 1L << 20)).growGguf(in, plan(new HeadDimExpansion(16), new HiddenExpansion(64)), out,
                StreamProgress.NONE));
        assertTrue(e.getMessage().contains("output GGUF: blk.0.attn_qkv.weight stacks [layers.0.wq, layers.0.wk,"
                + " layers.0.wv] whose grown dtypes differ [F32, BF16]"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    /** The file's six tensors per phi3 layer hold the model's nine: parts keep role order, q | k | v, gate | up. */
    @Test
    void partsAreTheRowsOfTheirFileTensorInRoleOrder() {
        var parts = GgufCheckpoint.tensorParts(phi3());
        assertEquals(List.of(TensorKey.of(Role.WQ, 1), TensorKey.of(Role.WK, 1),
                TensorKey.of(Role.WV, 1)), parts.get("blk.1.attn_qkv.weight"));
        assertEquals(List.of(TensorKey.of(Role.W_GATE, 0), TensorKey.of(Role.W_UP, 0)),
                parts.get("blk.0.ffn_up.weight"));
        assertEquals(3 + 2 * 6, parts.size());
    }

    private static GrowthPlan plan(GrowthStep... steps) {
        return new GrowthPlan(42, List.of(steps));
    }
}
