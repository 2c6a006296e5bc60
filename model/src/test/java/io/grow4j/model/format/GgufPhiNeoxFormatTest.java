package io.grow4j.model.format;

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
import io.grow4j.model.fixtures.NeoxConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF phi3 and gptneox as llama.cpp lays them out (convert_hf_to_gguf.py's Phi3MiniModel and GPTNeoXModel): fused
 * tensors stack whole parts in role order, the metadata picks the residual wiring, and what the file cannot say or
 * says wrongly is refused with the key or tensor named.
 */
class GgufPhiNeoxFormatTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    static TransformerConfig phi3(RopeScaling scaling) {
        return new TransformerConfig(Architecture.PHI3, 37, 32, 2, 16, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, scaling, 0.75), false);
    }

    /** The converter's layout: attn_qkv = [q; k; v] whole (not head by head), ffn_up = [gate; up], biases alike. */
    @Test
    void fusedTensorsStackWholePartsAsTheConverterWritesThem() throws IOException {
        Model phi3 = RandomModels.create(phi3(RopeScaling.NONE), DType.F32, 1);
        Path file = written(phi3, "phi3");
        Model neox = RandomModels.create(NeoxConfigs.pythia(), DType.F32, 2);
        Path neoxFile = written(neox, "neox");
        try (Arena arena = Arena.ofConfined()) {
            GgufFile parsed = GgufParser.parse(SegmentIo.mapReadOnly(file, arena), file);
            MemorySegment mapped = SegmentIo.mapReadOnly(file, arena);
            assertRows(phi3, mapped, parsed, "blk.1.attn_qkv.weight", Role.WQ, Role.WK, Role.WV);
            assertRows(phi3, mapped, parsed, "blk.0.ffn_up.weight", Role.W_GATE, Role.W_UP);
            GgufFile neoxParsed = GgufParser.parse(SegmentIo.mapReadOnly(neoxFile, arena), neoxFile);
            MemorySegment neoxMapped = SegmentIo.mapReadOnly(neoxFile, arena);
            assertRows(neox, neoxMapped, neoxParsed, "blk.1.attn_qkv.weight", Role.WQ, Role.WK, Role.WV);
            assertRows(neox, neoxMapped, neoxParsed, "blk.0.attn_qkv.bias", Role.BQ, Role.BK, Role.BV);
            assertEquals(new GgufValue.Bool(true), neoxParsed.metadata().get("gptneox.use_parallel_residual"));
            assertEquals(new GgufValue.Int(GgufType.UINT32, 2), neoxParsed.metadata().get("gptneox.rope.dimension_count"));
            assertEquals(new GgufValue.Int(GgufType.UINT32, 16), parsed.metadata().get("phi3.attention.sliding_window"));
            assertEquals(new GgufValue.Int(GgufType.UINT32, 6), parsed.metadata().get("phi3.rope.dimension_count"));
        }
    }

    private static void assertRows(Model model, MemorySegment mapped, GgufFile parsed, String name, Role... roles) {
        GgufTensorInfo info = parsed.tensors().get(name);
        int layer = Integer.parseInt(name.split("\\.")[1]);
        long offset = parsed.start(info);
        for (Role role : roles) {
            Tensor part = model.tensor(TensorKey.of(role, layer));
            assertEquals(-1, mapped.asSlice(offset, part.byteSize()).mismatch(part.data()), name + " " + role);
            offset += part.byteSize();
        }
        assertEquals(parsed.start(info) + info.byteSize(), offset, name + " holds exactly " + List.of(roles));
    }

    @Test
    void useParallelResidualPicksTheRowAndIsRequired() throws IOException {
        Model sequential = RandomModels.create(NeoxConfigs.pythia(false, 0.5, true, true), DType.F32, 3);
        assertEquals(Architecture.GPT_NEOX_SEQUENTIAL, format.read(written(sequential, "seq")).config().architecture());
        Model parallel = RandomModels.create(NeoxConfigs.pythia(), DType.F32, 4);
        assertFails(rewritten(parallel, m -> m.remove("gptneox.use_parallel_residual"), "no-flag"),
                "missing gptneox.use_parallel_residual (llama.cpp requires it)");
        assertFails(rewritten(parallel, m -> m.put("gptneox.use_parallel_residual",
                new GgufValue.Int(GgufType.UINT32, 1)), "int-flag"), "gptneox.use_parallel_residual must be a bool");
    }

    /** A Pythia with exact GELU keeps it through grow4j's key; without the key the file reads as llama.cpp runs it. */
    @Test
    void exactGeluRidesInGrow4jsKeyAndTanhGeluIsTheDefault() throws IOException {
        Model exact = RandomModels.create(NeoxConfigs.pythia(), DType.F32, 5);
        assertEquals(Activation.GELU, exact.config().mlp().activation());
        Path file = written(exact, "exact");
        assertEquals(exact.config(), format.read(file).config());
        assertTrue(format.writeNotes(exact).contains("llama.cpp runs GGUF gptneox's MLP with GELU_TANH, not this"
                + " model's GELU (kept in grow4j.gptneox.hidden_act for grow4j): its outputs there differ slightly"
                + " from this model's"), format.writeNotes(exact).toString());
        List<String> tanh = format.writeNotes(format.read(rewritten(exact, m -> m.remove("grow4j.gptneox.hidden_act"),
                "tanh")));
        assertTrue(tanh.stream().noneMatch(n -> n.contains("MLP")), tanh.toString());
        assertEquals(Activation.GELU_TANH, format.read(rewritten(exact, m -> m.remove("grow4j.gptneox.hidden_act"),
                "converted")).config().mlp().activation());
        assertFails(rewritten(exact, m -> m.put("grow4j.gptneox.hidden_act", GgufValue.Str.of("relu")), "relu"),
                "grow4j.gptneox.hidden_act 'relu' is not an activation of GGUF gptneox (known: [gelu_new, gelu])");
    }

    @Test
    void rotaryDimensionCountsAreCheckedPerFamily() throws IOException {
        Model phi3 = RandomModels.create(phi3(RopeScaling.NONE), DType.F32, 6);
        assertFails(rewritten(phi3, m -> m.put("phi3.rope.dimension_count", new GgufValue.Int(GgufType.UINT32, 5)),
                "odd"), "phi3.rope.dimension_count 5 rotates part of each head of size 8; it must be an even number"
                + " from 2 to the head size");
        Model qwen2 = RandomModels.create(new TransformerConfig(Architecture.QWEN2, 37, 32, 1, 16,
                new AttentionConfig(4, 2, 8, 8, true, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT), false), DType.F32, 7);
        assertFails(rewritten(qwen2, m -> m.put("qwen2.rope.dimension_count", new GgufValue.Int(GgufType.UINT32, 4)),
                "qwen2"), "qwen2.rope.dimension_count 4 rotates part of each head of size 8; GGUF qwen2 rotates whole"
                + " heads");
        assertEquals(List.of("GGUF qwen2's rope.dimension_count must be the head size (llama.cpp rotates whole heads"
                + " there); this model rotates 4 of 8 dims: write a directory instead"), format.writeProblems(
                qwen2.config().withPositions(new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.5))));
    }

    @Test
    void aFusedTensorOfAnotherSizeNamesItsParts() throws IOException {
        Model phi3 = RandomModels.create(phi3(RopeScaling.NONE), DType.F32, 8);
        Path file = rewritten(phi3, m -> m.put("phi3.attention.head_count_kv", new GgufValue.Int(GgufType.UINT32, 4)),
                "kv");
        assertFails(file, "blk.0.attn_qkv.weight: expected dims [32, 96] (stacking [layers.0.wq, layers.0.wk,"
                + " layers.0.wv]), got [32, 64] (ggml order, innermost first)");
    }

    @Test
    void longRopeFactorsComeInPairsOfTheRotatedLength() throws IOException {
        Model phi3 = RandomModels.create(phi3(new RopeScaling.LongRope(List.of(1.0, 1.5, 2.0),
                List.of(2.0, 3.0, 4.0), 8, null, 1.25)), DType.F32, 9);
        Path file = written(phi3, "longrope");
        assertEquals(phi3.config(), format.read(file).config());
        assertFails(rewrittenTensors(file, "long-only", t -> t.remove(GgufRopeFactors.SHORT)),
                "rope_factors_long.weight without rope_factors_short.weight: LongRoPE needs both");
        Model neox = RandomModels.create(NeoxConfigs.pythia(), DType.F32, 10);
        Path neoxFile = written(neox, "neox-factors");
        assertFails(rewrittenTensors(neoxFile, "neox-factors-bad", t -> t.put(GgufRopeFactors.LONG,
                Tensor.allocate(DType.F32, 1))), "unexpected tensor rope_factors_long.weight F32 dims [1]");
        assertTrue(format.writeProblems(NeoxConfigs.pythia().withPositions(new Positions.Rope(1e4,
                RopeLayout.HALF_SPLIT, new RopeScaling.LongRope(List.of(1.0), List.of(2.0), 8, null, 1.0), 0.25)))
                .getFirst().startsWith("GGUF gptneox holds RoPE scaling as linear keys or per-pair divisors"));
    }

    @Test
    void whatTheFamiliesCannotHoldIsRefusedOnWriting() {
        TransformerConfig phi3 = phi3(RopeScaling.NONE);
        List<String> problems = format.writeProblems(phi3.withAttention(new AttentionConfig(4, 2, 8, 8, true))
                .withMlp(new MlpConfig(40, Activation.GELU, false)));
        assertEquals(List.of("GGUF phi3 has no attention biases; this model has biases on Q, K, V and the output"
                + " projection: write a directory instead", "GGUF phi3's MLP is SWIGLU; this model uses GELU: write a"
                + " directory instead"), problems);
        problems = format.writeProblems(NeoxConfigs.pythia(true, 0.25, false, false));
        assertEquals(List.of("GGUF gptneox has biases on Q, K, V and the output projection; this model has no"
                + " attention biases: write a directory instead"), problems);
    }

    /**
     * llama.cpp splits attn_qkv taking the query part as n_embd wide, so a fused family whose heads × head size is
     * not the hidden size (a head-size growth alone) gets a note naming both (grow4j itself reads and verifies the
     * file); a model whose sizes meet gets none.
     */
    @Test
    void fusedQkvFamiliesNoteWhenHeadsTimesHeadSizeIsNotTheHiddenSize() {
        TransformerConfig pythia = NeoxConfigs.pythia();
        AttentionConfig a = pythia.attention();
        TransformerConfig wideHeads = pythia.withAttention(new AttentionConfig(a.queryHeads(), a.kvHeads(), 16, 16,
                a.bias()));
        assertTrue(format.configNotes(wideHeads).contains("llama.cpp splits GGUF gptneox's fused attn_qkv taking the"
                + " query part as hidden_size wide; this model's heads × head size is 4 × 16 = 64, not its hidden"
                + " size 32, so llama.cpp cannot run this file (grow heads or head_dim so that they meet the hidden"
                + " size for it)"), () -> format.configNotes(wideHeads).toString());
        assertTrue(format.writeProblems(wideHeads).isEmpty(), () -> format.writeProblems(wideHeads).toString());
        assertTrue(format.configNotes(pythia).stream().noneMatch(n -> n.contains("attn_qkv")),
                () -> format.configNotes(pythia).toString());
        TransformerConfig phi3 = phi3(RopeScaling.NONE);
        AttentionConfig p = phi3.attention();
        TransformerConfig moreHeads = phi3.withAttention(new AttentionConfig(p.queryHeads() * 2, p.kvHeads(),
                p.keySize(), p.valueSize(), p.bias()));
        assertTrue(format.configNotes(moreHeads).stream().anyMatch(m -> m.startsWith("llama.cpp splits GGUF phi3's"
                + " fused attn_qkv")), () -> format.configNotes(moreHeads).toString());
    }

    private Path written(Model model, String name) throws IOException {
        Path file = dir.resolve(name + ".gguf");
        format.write(model, file);
        return file;
    }

    /** A valid file of {@code model} whose metadata {@code edit} then changes. */
    private Path rewritten(Model model, Consumer<SequencedMap<String, GgufValue>> edit, String name)
            throws IOException {
        Path valid = written(model, "valid-" + name);
        return rewrite(valid, name, edit, t -> { });
    }

    private Path rewrittenTensors(Path valid, String name, Consumer<SequencedMap<String, Tensor>> edit)
            throws IOException {
        return rewrite(valid, name, m -> { }, edit);
    }

    private Path rewrite(Path valid, String name, Consumer<SequencedMap<String, GgufValue>> metadataEdit,
            Consumer<SequencedMap<String, Tensor>> tensorEdit) throws IOException {
        MemorySegment mapped = SegmentIo.mapReadOnly(valid, Arena.ofAuto());
        GgufFile parsed = GgufParser.parse(mapped, valid);
        SequencedMap<String, GgufValue> metadata = new LinkedHashMap<>(parsed.metadata());
        metadataEdit.accept(metadata);
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        parsed.tensors().forEach((n, info) -> tensors.put(n, SegmentIo.mappedTensor(mapped, parsed.start(info),
                info.type().dtype(), info.shape())));
        tensorEdit.accept(tensors);
        Path file = dir.resolve("bad-" + name + ".gguf");
        GgufWriter.write(file, metadata, tensors);
        return file;
    }

    private void assertFails(Path file, String expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in\n" + e.getMessage());
    }
}
