package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
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
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamed GGUF growth against GgufFormat.read → Grower → GgufFormat.write on small random llama models: the very same
 * file bytes (header, carried metadata, updated config keys, tensor table, data and padding), for plans with every
 * step kind including layer additions before and after widening, in F32, F16, BF16, F64 and mixed dtypes, and from a
 * source whose token embedding is Q8_0 (dequantized one tensor at a time, copied or grown).
 */
class StreamedGgufMatchesInMemoryTest {
    private static final GgufFormat GGUF = new GgufFormat();

    static TransformerConfig llama(int hidden, int heads, int kvHeads, int headSize, int layers) {
        return new TransformerConfig(Architecture.LLAMA, 37, hidden, layers, 16,
                new AttentionConfig(heads, kvHeads, headSize, headSize, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                false);
    }

    static Stream<Arguments> cases() {
        TransformerConfig small = llama(24, 4, 2, 6, 3);
        return Stream.of(
                Arguments.of("mlp, f32", RandomModels.create(small, DType.F32, 1), plan(new MlpExpansion(56)),
                        1L << 20),
                Arguments.of("layers at 0 and 3, bf16", RandomModels.create(small, DType.BF16, 2),
                        plan(new LayerAddition(2, List.of(0, 3))), 1L << 20),
                Arguments.of("hidden, layer, mlp, heads chain, bf16", RandomModels.create(small, DType.BF16, 3),
                        plan(new HiddenExpansion(32), new LayerAddition(1, List.of(1)), new MlpExpansion(64),
                                new HeadAddition(2, false)), 1L << 20),
                Arguments.of("layer first then widening, f16, no cache", RandomModels.create(small, DType.F16, 4),
                        plan(new LayerAddition(1, List.of(0)), new HiddenExpansion(48), new HeadDimExpansion(12)),
                        0L),
                Arguments.of("f64 heads then layers", RandomModels.create(small, DType.F64, 5),
                        plan(new HeadAddition(2, false), new LayerAddition(1, List.of(2))), 1L << 20),
                Arguments.of("mixed dtypes", mixed(RandomModels.create(small, DType.F32, 6)),
                        plan(new LayerAddition(2, List.of(1, 3)), new HiddenExpansion(28), new MlpExpansion(44)),
                        1L << 20));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamedGgufIsByteIdenticalToInMemory(String name, Model model, GrowthPlan plan, long cacheBytes,
                                               @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(model, in);
        assertSameFile(in, plan, cacheBytes, tmp);
    }

    /** Gemma 2 as llama.cpp derives it for 2 layers (sliding, global), tied, with both soft caps. */
    static TransformerConfig gemma2() {
        return new TransformerConfig(Architecture.GEMMA2, 37, 24, 2, 16, new AttentionConfig(4, 2, 6, 6, false),
                new MlpConfig(40, Activation.GEGLU_TANH, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(6, 50, 30, 3, 0, AttentionShape.periodic(2, 2)));
    }

    static Stream<Arguments> gemmaCases() {
        return Stream.of(
                Arguments.of("gemma2 mlp, heads, hidden, layers, f32", DType.F32,
                        plan(new MlpExpansion(48), new HeadAddition(2, false), new HiddenExpansion(32),
                                new LayerAddition(2, List.of()))),
                Arguments.of("gemma2 layers only, bf16 (gains copied as stored)", DType.BF16,
                        plan(new LayerAddition(2, List.of()))),
                Arguments.of("gemma2 hidden, f64", DType.F64, plan(new HiddenExpansion(48))));
    }

    /**
     * Gemma's norm gains are stored as 1 + w: streaming converts them on mapping and back on writing, and the file is
     * the one growing in memory writes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gemmaCases")
    void streamedGemmaIsByteIdenticalToInMemory(String name, DType dtype, GrowthPlan plan, @TempDir Path tmp)
            throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(gemma2(), dtype, 9), in);
        assertSameFile(in, plan, 1L << 20, tmp);
    }

    static Stream<Arguments> quantizedPlans() {
        return Stream.of(
                Arguments.of("layers only: the Q8_0 embedding decoded and copied",
                        plan(new LayerAddition(2, List.of(0, 2)))),
                Arguments.of("hidden, mlp, heads, layers: the Q8_0 embedding grown",
                        plan(new HiddenExpansion(64), new MlpExpansion(72), new HeadAddition(2, false),
                                new LayerAddition(1, List.of(1)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("quantizedPlans")
    void quantizedSourceStreamsLikeInMemory(String name, GrowthPlan plan, @TempDir Path tmp) throws IOException {
        Model model = RandomModels.create(llama(32, 4, 2, 8, 2), DType.F32, 7);
        Path in = QuantizedGguf.write(model, tmp.resolve("q8.gguf"), 11);
        assertEquals(List.of("dequantized Q8_0 → F32: 1 tensor (token_embd.weight)"), GgufCheckpoint.open(in).notes());
        assertEquals(GGUF.readNotes(GGUF.read(in)), GgufCheckpoint.open(in).notes());
        assertSameFile(in, plan, 1L << 20, tmp);
    }

    @Test
    void refusedPlanWritesNothing(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(llama(24, 4, 2, 6, 1), DType.F32, 8), in);
        Path out = tmp.resolve("out.gguf");
        assertThrows(io.grow4j.transforms.PlanException.class, () -> grower(1L << 20)
                .growGguf(in, plan(new MlpExpansion(8)), out, StreamProgress.NONE));
        assertFalse(Files.exists(out));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(in), files.toList());
        }
    }

    /**
     * Grows {@code in} streamed and in memory into two files under {@code tmp}, and compares their bytes; returns what
     * the streamed growth reported.
     */
    static StreamResult assertSameFile(Path in, GrowthPlan plan, long cacheBytes, Path tmp) throws IOException {
        Path memory = tmp.resolve("memory.gguf");
        Model grown = new Grower(new CpuPadKernel()).grow(GGUF.read(in), plan);
        GGUF.write(grown, memory);
        Path streamed = tmp.resolve("streamed.gguf");
        StreamResult result = grower(cacheBytes).growGguf(in, plan, streamed, StreamProgress.NONE);

        assertEquals(grown.config(), result.config());
        assertEquals(GgufCheckpoint.tensorParts(grown.config()).size(), result.tensors(), "file tensors");
        assertEquals(Files.size(memory), result.fileBytes(), "predicted file size");
        byte[] expected = Files.readAllBytes(memory);
        byte[] actual = Files.readAllBytes(streamed);
        assertEquals(-1, java.util.Arrays.mismatch(expected, actual), "first differing byte of " + expected.length
                + " expected, " + actual.length + " streamed");
        assertTrue(result.copiedTensors() >= 0);
        return result;
    }

    private static StreamingGrower grower(long cacheBytes) {
        return new StreamingGrower(new CpuPadKernel(), new StreamOptions(Long.MAX_VALUE, cacheBytes));
    }

    private static GrowthPlan plan(GrowthStep... steps) {
        return new GrowthPlan(42, List.of(steps));
    }

    /** Norms in F16 and the output projections in BF16: new tensors must pick their dtype as the grower does. */
    private static Model mixed(Model model) {
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        tensors.replaceAll((key, t) -> key.role().isNorm() ? t.convertTo(DType.F16)
                : key.role() == Role.WO ? t.convertTo(DType.BF16) : t);
        return new Model(model.config(), tensors);
    }
}
