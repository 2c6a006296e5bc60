package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.HfDirectoryFormat;
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
 * GPT-NeoX directories grown by streaming write the very bytes the in-memory grower writes (whose logits
 * GptNeoxGrowthTest holds to 1e-12): query_key_value's q, k and v are gathered from their rows in every head's block,
 * grown like any tensor, and interleaved head by head again before the fused tensor is written.
 */
class GptNeoxStreamingTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        TransformerConfig pythia = NeoxConfigs.pythia();
        int k = pythia.attention().keySize();
        return Stream.of(
                Arguments.of("every step, parallel, f32", pythia, DType.F32, List.of(new MlpExpansion(64),
                        new HeadAddition(2, false), new HeadDimExpansion(2 * k), new HiddenExpansion(6 * 2 * k),
                        new LayerAddition(1, List.of(1)))),
                Arguments.of("mlp only, bf16: query_key_value unchanged but gathered and interleaved", pythia,
                        DType.BF16, List.<GrowthStep>of(new MlpExpansion(48))),
                Arguments.of("heads and layers, sequential, rotary 0.5, tied, f16",
                        NeoxConfigs.pythia(false, 0.5, true, true), DType.F16,
                        List.of(new LayerAddition(2, List.of(0, 2)), new HeadAddition(1, false),
                                new HiddenExpansion(40))),
                Arguments.of("head size x 2, f64", pythia, DType.F64,
                        List.of(new HeadDimExpansion(2 * k), new HiddenExpansion(4 * 2 * k))),
                // q, k and v parts of 256 x 256 = 65,536 entries: the pad kernel fills them on several threads
                Arguments.of("parts wide enough to be padded in parallel, f32", pythia, DType.F32,
                        List.of(new HeadAddition(28, false), new HiddenExpansion(32 * k))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamedGptNeoxIsByteIdenticalToInMemory(String name, TransformerConfig config, DType dtype,
            List<GrowthStep> steps) throws IOException {
        PhiSmolStreamingTest.assertStreamedEqualsInMemory(tmp, config, dtype, steps);
    }

    @Test
    void aGptNeoxDirectoryOpensTensorByTensor() throws IOException {
        Path in = tmp.resolve("in");
        new HfDirectoryFormat().write(RandomModels.create(NeoxConfigs.pythia(), DType.F32, 3), in);
        assertTrue(HfCheckpoint.streamable(in));
        HfCheckpoint checkpoint = HfCheckpoint.open(in);
        var wk = checkpoint.tensors().get(io.grow4j.model.TensorKey.of(io.grow4j.model.Role.WK, 1));
        assertEquals("gpt_neox.layers.1.attention.query_key_value.weight rows 8..15 of each of 4 heads",
                wk.entry().name());
        assertFalse(wk.contiguous());
        assertEquals(4, wk.blocks());
    }

    /** head_dim rescales q in a half-precision model: F32 beside F16 k and v, which one fused tensor cannot hold. */
    @Test
    void partsOfMixedGrownDtypesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path in = tmp.resolve("in-f16");
        new HfDirectoryFormat().write(RandomModels.create(NeoxConfigs.pythia(), DType.F16, 9), in);
        Path out = tmp.resolve("out");
        PlanException e = assertThrows(PlanException.class, () -> PhiSmolStreamingTest.stream(in,
                new GrowthPlan(3, List.of(new HeadDimExpansion(16), new HiddenExpansion(64))), out));
        assertTrue(e.getMessage().contains("output directory: gpt_neox.layers.0.attention.query_key_value.weight"
                + " stacks [layers.0.wq, layers.0.wk, layers.0.wv] whose grown dtypes differ"), e.getMessage());
        assertFalse(Files.exists(out));
    }
}
