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
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF qwen2moe's metadata as llama.cpp reads it: llama.cpp's tensor names and shapes, the expert widths from
 * expert_feed_forward_length and expert_shared_feed_forward_length or, in files converted before those keys existed,
 * from feed_forward_length (÷ expert_used_count for the experts); routing read as not renormalised; a shared-expert
 * tensor of the wrong shape named.
 */
class GgufQwen2MoeTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    /** Qwen2's attention, 4 experts of 12, top-2, a shared expert of 24, routing as llama.cpp runs it. */
    static TransformerConfig qwen2Moe() {
        return new TransformerConfig(Architecture.QWEN2_MOE, 29, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, true, false),
                new MlpConfig(12, Activation.SWIGLU, false, 4, 2, 24, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
    }

    @Test
    void sharedExpertTensorsAreWrittenInLlamaCppsLayout() throws IOException {
        Path file = dir.resolve("qwen2moe.gguf");
        format.write(RandomModels.create(qwen2Moe(), DType.F32, 1), file);
        GgufFile parsed = GgufParser.parse(SegmentIo.mapReadOnly(file, java.lang.foreign.Arena.ofAuto()), file);
        assertEquals("[16, 24]", dims(parsed, "blk.0.ffn_gate_shexp.weight"));
        assertEquals("[24, 16]", dims(parsed, "blk.0.ffn_down_shexp.weight"));
        assertEquals("[16, 1]", dims(parsed, "blk.1.ffn_gate_inp_shexp.weight"));
        assertEquals("[16, 12, 4]", dims(parsed, "blk.1.ffn_up_exps.weight"));
        assertEquals("[16, 4]", dims(parsed, "blk.1.ffn_gate_inp.weight"));
    }

    /** What llama.cpp's loader does without the expert keys: n_ff / n_expert_used per expert, n_ff for the shared. */
    @Test
    void filesWithoutExpertWidthsAreReadWithLlamaCppsDefaults() throws IOException {
        TransformerConfig config = qwen2Moe();
        Path file = rewritten(m -> {
            m.remove("qwen2moe.expert_feed_forward_length");
            m.remove("qwen2moe.expert_shared_feed_forward_length");
            m.put("qwen2moe.feed_forward_length", new GgufValue.Int(GgufType.UINT32, 24));
        }, config);
        assertEquals(config, format.read(file).config());
    }

    @Test
    void theDenseWidthIsNotNeededBesideBothExpertWidths() throws IOException {
        Path file = rewritten(m -> m.remove("qwen2moe.feed_forward_length"), qwen2Moe());
        Model read = format.read(file);
        assertEquals(12, read.config().mlp().size());
        assertEquals(24, read.config().mlp().sharedSize());
        assertFalse(read.config().mlp().normTopK());
    }

    @Test
    void aSharedExpertOfTheWrongWidthIsNamed() throws IOException {
        Path file = rewritten(m -> m.put("qwen2moe.expert_shared_feed_forward_length",
                new GgufValue.Int(GgufType.UINT32, 20)), qwen2Moe());
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("blk.0.ffn_gate_shexp.weight: expected dims [16, 20], got [16, 24]"),
                e.getMessage());
    }

    @Test
    void renormalisedRoutingAndAMissingSharedExpertAreRefusedBeforeWriting() {
        TransformerConfig c = qwen2Moe();
        TransformerConfig renormalised = c.withMlp(c.mlp().withSharedExpert(24, true));
        assertEquals(1, format.writeProblems(renormalised).size());
        assertTrue(format.writeProblems(renormalised).getFirst().startsWith("GGUF qwen2moe: llama.cpp weights the"
                + " chosen experts by their softmax probabilities without renormalising them"));
        assertEquals(List.of("GGUF qwen2moe: llama.cpp's loader requires a shared expert; this model has none: write a"
                + " directory instead"), format.writeProblems(c.withMlp(c.mlp().withSharedExpert(0, false))));
    }

    private static String dims(GgufFile parsed, String name) {
        return java.util.Arrays.toString(parsed.tensors().get(name).dims());
    }

    /** A valid file of {@code config} whose metadata is then edited by {@code edit}, tensors unchanged. */
    private Path rewritten(Consumer<SequencedMap<String, GgufValue>> edit, TransformerConfig config)
            throws IOException {
        Model model = RandomModels.create(config, DType.F32, 2);
        Path valid = dir.resolve("valid.gguf");
        format.write(model, valid);
        GgufFile parsed = GgufParser.parse(SegmentIo.mapReadOnly(valid, java.lang.foreign.Arena.ofAuto()), valid);
        SequencedMap<String, GgufValue> metadata = new LinkedHashMap<>(parsed.metadata());
        edit.accept(metadata);
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        GgufFamily family = GgufFamily.forArchitecture(config.architecture());
        family.tensorNames(model.config()).forEach((name, k) -> tensors.put(name, model.tensor(k)));
        Path file = dir.resolve("edited.gguf");
        GgufWriter.write(file, metadata, tensors);
        return file;
    }
}
