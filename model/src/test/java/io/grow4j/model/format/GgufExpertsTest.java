package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama files with experts (issue 12): llama.cpp's keys and stacked tensors read as a mixtral model and written back
 * the same; metadata that disagrees with the tensors, or experts in a family read without them, is refused naming the
 * key or tensor.
 */
class GgufExpertsTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    static TransformerConfig mixtral() {
        return new TransformerConfig(Architecture.MIXTRAL, 29, 16, 2, 16, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(12, Activation.SWIGLU, false).withExperts(4, 2), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), false);
    }

    @Test
    void expertsAreWrittenInLlamaCppsLayoutAndReadBack() throws IOException {
        Model model = RandomModels.create(mixtral(), DType.F32, 2);
        Path file = dir.resolve("moe.gguf");
        format.write(model, file);
        GgufFile parsed = GgufParser.parse(SegmentIo.mapReadOnly(file, java.lang.foreign.Arena.ofAuto()), file);
        assertEquals(GgufValue.Str.of("llama"), parsed.metadata().get("general.architecture"));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 4), parsed.metadata().get("llama.expert_count"));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 2), parsed.metadata().get("llama.expert_used_count"));
        // ggml order, innermost first: llama.cpp's {n_embd, n_ff, n_expert} and {n_ff, n_embd, n_expert}
        assertEquals("[16, 12, 4]", java.util.Arrays.toString(parsed.tensors().get("blk.1.ffn_up_exps.weight").dims()));
        assertEquals("[12, 16, 4]",
                java.util.Arrays.toString(parsed.tensors().get("blk.1.ffn_down_exps.weight").dims()));
        assertEquals("[16, 4]", java.util.Arrays.toString(parsed.tensors().get("blk.0.ffn_gate_inp.weight").dims()));
        Fixtures.assertSameModel(model, format.read(file));
    }

    @Test
    void anExpertTensorThatDisagreesWithTheMetadataIsNamed() throws IOException {
        Path file = rewritten("llama.expert_count", 5);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().startsWith(file + ": tensors disagree with the llama metadata:"), e.getMessage());
        assertTrue(e.getMessage().contains("\n  blk.0.ffn_gate_exps.weight: expected dims [16, 12, 5], got [16, 12,"
                + " 4] (ggml order, innermost first)"), e.getMessage());
        assertTrue(e.getMessage().contains("\n  blk.1.ffn_gate_inp.weight: expected dims [16, 5], got [16, 4]"),
                e.getMessage());
    }

    @Test
    void moreExpertsUsedThanThereAreIsRefused() throws IOException {
        Path file = rewritten("llama.expert_used_count", 6);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("llama.expert_used_count 6 exceeds llama.expert_count 4"), e.getMessage());
    }

    @Test
    void expertsInAFamilyReadWithoutThemAreRefused() throws IOException {
        Path file = dir.resolve("qwen2-moe.gguf");
        TransformerConfig qwen2 = new TransformerConfig(Architecture.QWEN2, 29, 16, 1, 16,
                new AttentionConfig(4, 2, 4, 4, true, false), new MlpConfig(12, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
        SequencedMap<String, GgufValue> extra = new LinkedHashMap<>();
        extra.put("qwen2.expert_count", new GgufValue.Int(GgufType.UINT32, 8));
        format.write(new GgufMetadata(extra).attachTo(RandomModels.create(qwen2, DType.F32, 1)), file);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertEquals(file + ": qwen2.expert_count 8: GGUF qwen2 is read without experts (experts are read for"
                + " llama, qwen2moe)", e.getMessage());
    }

    /** A valid file with experts whose metadata {@code key} is then rewritten to {@code value}. */
    private Path rewritten(String key, int value) throws IOException {
        Model model = RandomModels.create(mixtral(), DType.F32, 2);
        Path valid = dir.resolve("valid-" + key + ".gguf");
        format.write(model, valid);
        GgufFile parsed = GgufParser.parse(SegmentIo.mapReadOnly(valid, java.lang.foreign.Arena.ofAuto()), valid);
        SequencedMap<String, GgufValue> metadata = new LinkedHashMap<>(parsed.metadata());
        metadata.put(key, new GgufValue.Int(GgufType.UINT32, value));
        SequencedMap<String, io.grow4j.model.Tensor> tensors = new LinkedHashMap<>();
        GgufFamily family = GgufFamily.forArchitecture(Architecture.MIXTRAL);
        Model stored = RopePermutation.toLayout(model, family.ropeLayout());
        family.tensorNames(stored.config()).forEach((name, k) -> tensors.put(name, stored.tensor(k)));
        Path file = dir.resolve("bad-" + key + ".gguf");
        GgufWriter.write(file, metadata, tensors);
        return file;
    }
}
