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
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.Init;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.LayerStacking;
import io.grow4j.transforms.steps.MlpExpansion;
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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Streamed growth against the in-memory grower on small random models: every tensor bit-identical, and where both
 * write one file, the very same bytes on disk. Plans include layer additions (which renumber layers) before and after
 * widening steps, so tracing through intermediate stages and the statistics of intermediate tensors are exercised;
 * inputs are written by HfDirectoryFormat or sharded at a few kilobytes, outputs too, and one case runs with no
 * intermediate cache at all.
 */
class StreamedMatchesInMemoryTest {
    private static final HfDirectoryFormat DIRECTORY = new HfDirectoryFormat();
    private static final long WHOLE = Long.MAX_VALUE;

    static TransformerConfig llama(int layers) {
        return new TransformerConfig(Architecture.LLAMA, 37, 24, layers, 16,
                new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
    }

    static TransformerConfig generic(int layers) {
        return new TransformerConfig(Architecture.GENERIC, 29, 20, layers, 16,
                new AttentionConfig(3, 3, 5, 7, true), new MlpConfig(33, Activation.GELU, true), 1e-6,
                new Positions.Learned(), true);
    }

    /** Qwen2: biases on Q, K and V only, GQA. */
    static TransformerConfig qwen2() {
        return new TransformerConfig(Architecture.QWEN2, 30, 16, 2, 8, new AttentionConfig(4, 2, 4, 4, true, false),
                new MlpConfig(20, Activation.SWIGLU, false), 1e-6, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                false);
    }

    /** Llama with longrope scaling (its factor lists spread by head growth), attention_bias and mlp_bias. */
    static TransformerConfig longRopeLlama() {
        return new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32, new AttentionConfig(4, 2, 8, 8, true),
                new MlpConfig(40, Activation.SWIGLU, true), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT,
                new RopeScaling.LongRope(List.of(1.0, 2.0, 3.0, 4.0), List.of(5.0, 6.0, 7.0, 8.0), 8, null, null)),
                false);
    }

    /** BERT: post-LayerNorm, two token types, a pooler; hidden growth by duplication. */
    static TransformerConfig bert() {
        return new TransformerConfig(Architecture.BERT, 27, 12, 2, 9, new AttentionConfig(2, 2, 6, 6, true),
                new MlpConfig(30, Activation.GELU, true), 1e-12, new Positions.Learned(), false, 2, true);
    }

    static Stream<Arguments> cases() {
        Model llamaF32 = RandomModels.create(llama(3), DType.F32, 1);
        Model llamaBf16 = RandomModels.create(llama(3), DType.BF16, 2);
        return Stream.of(
                Arguments.of("mlp, one file in and out", llamaF32, plan(new MlpExpansion(56)), WHOLE, WHOLE, 1L << 20),
                Arguments.of("layers at 0 and 3, sharded in and out", llamaBf16,
                        plan(new LayerAddition(2, List.of(0, 3))), 4096L, 6000L, 1L << 20),
                Arguments.of("hidden, layer, mlp, heads chain, sharded in", llamaBf16,
                        plan(new HiddenExpansion(32), new LayerAddition(1, List.of(1)), new MlpExpansion(64),
                                new HeadAddition(2, false)), 3000L, WHOLE, 1L << 20),
                Arguments.of("hidden, layer, mlp, heads chain, cache below its intermediates (memory reused)",
                        llamaBf16, plan(new HiddenExpansion(32), new LayerAddition(1, List.of(1)),
                                new MlpExpansion(64), new HeadAddition(2, false)), WHOLE, WHOLE, 6000L),
                Arguments.of("layer first then widening, no cache", llamaF32,
                        plan(new LayerAddition(1, List.of(0)), new HiddenExpansion(48), new HeadDimExpansion(12)),
                        WHOLE, 5000L, 0L),
                Arguments.of("generic with mixed dtypes", mixed(RandomModels.create(generic(2), DType.F32, 3)),
                        plan(new LayerAddition(2, List.of(1, 3)), new HiddenExpansion(28), new MlpExpansion(40)),
                        2000L, WHOLE, 1L << 20),
                Arguments.of("mixed dtypes, no layers to copy statistics from", mixed(RandomModels.create(generic(0),
                        DType.F32, 4)), plan(new LayerAddition(2, List.of()), new MlpExpansion(36)), WHOLE, WHOLE,
                        1L << 20),
                Arguments.of("qwen2 layers then heads", RandomModels.create(qwen2(), DType.BF16, 5),
                        plan(new LayerAddition(1, List.of(1)), new HeadAddition(2, false)), 1500L, WHOLE, 1L << 20),
                Arguments.of("longrope llama with attention and mlp biases, head size doubled",
                        RandomModels.create(longRopeLlama(), DType.F32, 7), plan(new HeadDimExpansion(16),
                                new MlpExpansion(48), new LayerAddition(1, List.of(1))), WHOLE, WHOLE, 1L << 20),
                Arguments.of("llama clone and copy initialisations (repeated indices, blocks copied across layers)",
                        llamaBf16, plan(new HiddenExpansion(48, Init.CLONE), new LayerAddition(2, List.of(0, 2),
                                Init.COPY, 1), new MlpExpansion(80, Init.CLONE, 0.02), new HeadAddition(4, true,
                                Init.CLONE, 0.01),
                                new LayerAddition(1, List.of(), Init.COPY, -1)), 3000L, 6000L, 5000L),
                Arguments.of("stacking (inexact, allowed) then widening", llamaF32, new GrowthPlan(42,
                        List.of(new LayerStacking(0, 2, 1), new MlpExpansion(48))).allowingInexact(), WHOLE, WHOLE,
                        1L << 20),
                Arguments.of("bert mlp, heads, hidden doubled by duplication", RandomModels.create(bert(), DType.F32, 6),
                        plan(new MlpExpansion(40), new HeadAddition(2, false), new HiddenExpansion(24)), WHOLE, 3000L,
                        1L << 20));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void streamedGrowthIsBitIdenticalToInMemory(String name, Model model, GrowthPlan plan, long inShard,
                                                long outShard, long cacheBytes, @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        if (inShard == WHOLE) {
            DIRECTORY.write(model, in);
        } else {
            Checkpoints.writeSharded(model, in, inShard);
        }
        Path memory = tmp.resolve("memory");
        DIRECTORY.write(new Grower(new CpuPadKernel()).grow(DIRECTORY.read(in), plan), memory);
        Path streamed = tmp.resolve("streamed");
        StreamResult result = new StreamingGrower(new CpuPadKernel(), new StreamOptions(outShard, cacheBytes))
                .grow(in, plan, streamed, StreamProgress.NONE);

        Model expected = DIRECTORY.read(memory);
        Model actual = DIRECTORY.read(streamed);
        assertEquals(expected.config(), actual.config());
        for (Map.Entry<TensorKey, Tensor> e : expected.tensors().entrySet()) {
            assertSameTensor(e.getKey(), e.getValue(), actual.tensor(e.getKey()));
        }
        assertEquals(outShard == WHOLE, Files.exists(streamed.resolve(SafetensorsWriter.SINGLE)));
        assertEquals(outShard != WHOLE, Files.exists(streamed.resolve(SafetensorsWriter.INDEX)));
        if (outShard == WHOLE) {
            assertArrayEquals(Files.readAllBytes(memory.resolve(SafetensorsWriter.SINGLE)),
                    Files.readAllBytes(streamed.resolve(SafetensorsWriter.SINGLE)), "model.safetensors bytes");
            assertEquals(Files.readString(memory.resolve("config.json")), Files.readString(
                    streamed.resolve("config.json")));
        } else {
            assertTrue(result.shards() > 1, "sharded output at " + outShard + " bytes");
        }
        assertEquals(expected.tensors().size(), result.tensors());
    }

    private static void assertSameTensor(TensorKey key, Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), key + " dtype");
        assertArrayEquals(expected.shape(), actual.shape(), key + " shape");
        long at = expected.data().mismatch(actual.data());
        if (at >= 0) {
            long index = at / expected.dtype().bytes();
            fail(key + " differs at entry " + index + ": expected " + expected.get(index) + ", got " + actual.get(index));
        }
    }

    private static GrowthPlan plan(io.grow4j.transforms.steps.GrowthStep... steps) {
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
