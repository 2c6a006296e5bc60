package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF gemma2 and gemma3 files as llama.cpp's converter lays them out: the names of llama-arch.cpp, no output.weight,
 * norm gains stored as 1 + w, soft caps and window in their keys; and files read as llama.cpp reads them: its defaults
 * for missing keys, the layer pattern from the index, the 27B models' attention scale.
 */
class GgufGemmaTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    static TransformerConfig gemma3(int layers) {
        return new TransformerConfig(Architecture.GEMMA3, 29, 16, layers, 16, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(12, Activation.GEGLU_TANH, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(4, 0, 0, 5, 1e4, AttentionShape.periodic(layers, 6)));
    }

    static TransformerConfig gemma2(int layers, int scalar) {
        return new TransformerConfig(Architecture.GEMMA2, 29, 16, layers, 16, new AttentionConfig(2, 1, 4, 4, false),
                new MlpConfig(12, Activation.GEGLU_TANH, false), 1e-6, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(scalar, 50, 30, 7, 0, AttentionShape.periodic(layers, 2)));
    }

    @Test
    void gemma3IsWrittenWithLlamaCppsNamesKeysAndGainsPlusOne() throws IOException {
        Model model = RandomModels.create(gemma3(6), DType.F32, 4);
        Path file = dir.resolve("gemma3.gguf");
        format.write(model, file);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = SegmentIo.mapReadOnly(file, arena);
            GgufFile parsed = GgufParser.parse(mapped, file);
            assertEquals("gemma3", ((GgufValue.Str) parsed.metadata().get("general.architecture")).text());
            assertEquals(5L, ((GgufValue.Int) parsed.metadata().get("gemma3.attention.sliding_window")).value());
            assertFalse(parsed.metadata().containsKey("gemma3.final_logit_softcapping"));
            assertFalse(parsed.tensors().containsKey("output.weight"));
            for (String name : List.of("blk.5.attn_norm.weight", "blk.5.post_attention_norm.weight",
                    "blk.5.ffn_norm.weight", "blk.5.post_ffw_norm.weight", "blk.5.attn_q_norm.weight",
                    "blk.5.attn_k_norm.weight", "output_norm.weight", "blk.5.ffn_gate.weight")) {
                assertTrue(parsed.tensors().containsKey(name), name + " in " + parsed.tensors().keySet());
            }
            Tensor stored = SegmentIo.mappedTensor(mapped, parsed.start(parsed.tensors().get("blk.5.attn_q_norm.weight")),
                    DType.F32, new long[] {4});
            Tensor w = model.tensor(TensorKey.of(Role.Q_HEAD_NORM, 5));
            for (int i = 0; i < 4; i++) {
                assertEquals(1f + (float) w.get(i), (float) stored.get(i), "attn_q_norm[" + i + "] holds 1 + w");
            }
        }
    }

    /** llama.cpp's gemma2 defaults: soft caps 50 and 30, window 4096; its scale for 46 layers is (hidden/heads)^-0.5. */
    @Test
    void gemma2FileReadsAsLlamaCppReadsIt() throws IOException {
        Model model = RandomModels.create(gemma2(46, 8), DType.F32, 5);
        Path written = dir.resolve("full.gguf");
        format.write(model, written);
        assertEquals(model.config(), format.read(written).config());
        assertTrue(format.writeNotes(model).stream().noneMatch(n -> n.contains("b4916")), "46 layers run in b4916");

        SequencedMap<String, GgufValue> metadata;
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = SegmentIo.mapReadOnly(written, arena);
            GgufFile parsed = GgufParser.parse(mapped, written);
            metadata = new LinkedHashMap<>(parsed.metadata());
            parsed.tensors().forEach((name, info) -> tensors.put(name,
                    SegmentIo.mappedTensor(mapped, parsed.start(info), DType.F32, info.shape()).convertTo(DType.F32)));
        }
        metadata.remove("gemma2.attn_logit_softcapping");
        metadata.remove("gemma2.final_logit_softcapping");
        metadata.remove("gemma2.attention.sliding_window");
        Path bare = dir.resolve("bare.gguf");
        GgufWriter.write(bare, metadata, tensors);
        AttentionShape read = format.read(bare).config().attentionShape();
        assertEquals(new AttentionShape(8, 50, 30, 4096, 0, AttentionShape.periodic(46, 2)), read);
    }

    @Test
    void gemma2OfOtherLayerCountsNotesThatEarlyLlamaCppBuildsAbort() {
        Model model = RandomModels.create(gemma2(4, 4), DType.F32, 6);
        assertEquals(List.of(), format.writeProblems(model.config()));
        assertTrue(format.writeNotes(model).contains("llama.cpp builds of early 2025 (b4916) abort on gemma2 files"
                + " whose layer count is not one of [26, 42, 46]; this one has 4 layers (later builds run it)"),
                format.writeNotes(model).toString());
    }
}
