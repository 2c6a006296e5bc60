package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.transforms.Grower;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Phi-3 and SmolLM3 directories grown by streaming write the very bytes the in-memory grower writes (whose logits
 * PhiSmolFamiliesTest holds to 1e-12): Phi-3's qkv_proj and gate_up_proj are read part by part from their row ranges
 * and written part after part, unchanged parts copied file to file; SmolLM3's no_rope_layers follow added layers.
 */
class PhiSmolStreamingTest {
    private static final HfDirectoryFormat DIRECTORY = new HfDirectoryFormat();

    @TempDir
    Path tmp;

    private static TransformerConfig phi3() {
        return new TransformerConfig(Architecture.PHI3, 33, 16, 2, 16, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(24, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.5), false);
    }

    @Test
    void phi3StreamsItsFusedTensorsPartByPart() throws IOException {
        assertStreamedEqualsInMemory(phi3(), DType.F32, List.of(new HiddenExpansion(24), new HeadDimExpansion(8),
                new HeadAddition(2, false), new LayerAddition(1, List.of(1)), new MlpExpansion(30)));
    }

    /** MLP growth leaves qkv_proj alone: its three parts are copied from their row ranges, in BF16 as stored. */
    @Test
    void unchangedFusedPartsAreCopiedFileToFile() throws IOException {
        StreamResult result = assertStreamedEqualsInMemory(phi3(), DType.BF16, List.of(new MlpExpansion(30)));
        assertTrue(result.copiedTensors() >= 2 * 3, "q, k and v of both layers copied: " + result.copiedTensors());
    }

    /** head_dim rescales q (× sqrt(2)): kept in F32 beside BF16 k and v, which one stacked tensor cannot hold. */
    @Test
    void partsOfMixedGrownDtypesAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path in = tmp.resolve("in-bf16");
        DIRECTORY.write(RandomModels.create(phi3(), DType.BF16, 9), in);
        Path out = tmp.resolve("out");
        PlanException e = assertThrows(PlanException.class, () -> stream(in, new GrowthPlan(3,
                List.of(new HeadDimExpansion(8))), out));
        assertTrue(e.getMessage().contains("output directory: model.layers.0.self_attn.qkv_proj.weight stacks"
                + " [layers.0.wq, layers.0.wk, layers.0.wv] whose grown dtypes differ [F32, BF16]"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void smollm3StreamsWithLayersWithoutRope() throws IOException {
        TransformerConfig config = new TransformerConfig(Architecture.SMOLLM3, 33, 16, 3, 16,
                new AttentionConfig(4, 2, 4, 4, true), new MlpConfig(24, Activation.SWIGLU, true), 1e-5,
                new Positions.Rope(2e6, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 1.0, List.of(2)), true);
        assertStreamedEqualsInMemory(config, DType.F32, List.of(new LayerAddition(2, List.of(0, 2)),
                new HiddenExpansion(24), new HeadDimExpansion(8)));
    }

    private StreamResult assertStreamedEqualsInMemory(TransformerConfig config, DType dtype, List<GrowthStep> steps)
            throws IOException {
        return assertStreamedEqualsInMemory(tmp, config, dtype, steps);
    }

    /**
     * Writes a random model of {@code config} under {@code tmp}, grows it streamed and in memory, and asserts the two
     * directories hold the same config.json and the same model.safetensors bytes.
     */
    static StreamResult assertStreamedEqualsInMemory(Path tmp, TransformerConfig config, DType dtype,
            List<GrowthStep> steps) throws IOException {
        GrowthPlan plan = new GrowthPlan(3, steps);
        Path in = tmp.resolve("in");
        DIRECTORY.write(RandomModels.create(config, dtype, 8), in);
        Path memory = tmp.resolve("memory");
        DIRECTORY.write(new Grower(new CpuPadKernel()).grow(DIRECTORY.read(in), plan), memory);
        Path streamed = tmp.resolve("streamed");
        StreamResult result = stream(in, plan, streamed);
        assertEquals(Files.readString(memory.resolve("config.json")), Files.readString(
                streamed.resolve("config.json")));
        assertArrayEquals(Files.readAllBytes(memory.resolve(SafetensorsWriter.SINGLE)),
                Files.readAllBytes(streamed.resolve(SafetensorsWriter.SINGLE)), "model.safetensors bytes");
        return result;
    }

    static StreamResult stream(Path in, GrowthPlan plan, Path out) throws IOException {
        return new StreamingGrower(new CpuPadKernel(), new StreamOptions(Long.MAX_VALUE, 1L << 20))
                .grow(in, plan, out, StreamProgress.NONE);
    }
}
