package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.transforms.steps.ExpertUpcycling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF qwen2, qwen3, olmo2, phi3 (partial rotary), gptneox (parallel and sequential, exact and tanh GELU) and
 * llama-with-experts files: a random model written and read back is the same model, and
 * seeded random chains of accepted steps, grown from the file and written as GGUF again, keep the logits (≤ 1e-12 in
 * double from F64 files, ≤ 1e-5 relative in single precision from F32 files); a dense llama file upcycled to experts
 * is written as a llama file with experts and keeps them too.
 */
class GgufFamiliesGrowthTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final GgufFormat GGUF = new GgufFormat();

    @TempDir
    Path dir;

    static Stream<TransformerConfig> families() {
        return Stream.of(config(Architecture.QWEN2, true, false), config(Architecture.QWEN2, true, true),
                config(Architecture.QWEN3, false, false), config(Architecture.QWEN3, false, true),
                config(Architecture.OLMO2, false, false), config(Architecture.OLMO2, false, true),
                config(Architecture.MIXTRAL, false, false), phi3(false), phi3(true), phi3LongRope(),
                NeoxConfigs.pythia(true, 0.25, false, true), NeoxConfigs.pythia(false, 0.5, true, true),
                NeoxConfigs.pythia(true, 0.5, false, true).withMlp(new MlpConfig(40, Activation.GELU_TANH, true)));
    }

    /**
     * Phi-3-128k-shaped LongRoPE over the 6 rotated dims: original context 4, so the 10 tokens reach the long
     * factors; the attention factor given, as a GGUF file gives it.
     */
    static TransformerConfig phi3LongRope() {
        return phi3(false).withPositions(new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, new RopeScaling.LongRope(
                List.of(1.0, 1.25, 1.5), List.of(2.0, 3.0, 5.0), 4, null, 1.125), 0.75));
    }

    /** Phi-4-mini-shaped: 6 of 8 head dims rotate (rope.dimension_count 6), Q, K, V and gate, up fused. */
    static TransformerConfig phi3(boolean tied) {
        return config(Architecture.PHI3, false, tied).withPositions(
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.75));
    }

    /** GQA 4 over 2 with head size 8 although hidden / heads is 6: llama.cpp reads key_length for every family. */
    static TransformerConfig config(Architecture architecture, boolean qkvBias, boolean tied) {
        MlpConfig mlp = new MlpConfig(40, Activation.SWIGLU, false);
        return new TransformerConfig(architecture, 37, 24, 2, 16, new AttentionConfig(4, 2, 8, 8, qkvBias, false),
                architecture.mixtureOfExperts() ? mlp.withExperts(4, 2) : mlp, 1e-5,
                new Positions.Rope(1e6, architecture.mixtureOfExperts() ? RopeLayout.INTERLEAVED
                        : RopeLayout.HALF_SPLIT), tied);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void aFileReadsBackAsTheModelItWasWrittenFrom(TransformerConfig config) throws IOException {
        Model model = RandomModels.create(config, DType.F32, 3);
        Model reread = writeAndRead(model);
        assertEquals(config, reread.config());
        assertEquals(model.tensors().keySet(), reread.tensors().keySet());
        model.tensors().forEach((key, t) -> {
            assertArrayEquals(t.shape(), reread.tensor(key).shape(), key.toString());
            assertEquals(-1, t.data().mismatch(reread.tensor(key).data()), key + " bit for bit");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void seededRandomChainsKeepTheLogitsThroughGguf(TransformerConfig config) throws IOException {
        Random random = new Random(config.hashCode());
        for (int chain = 0; chain < 2; chain++) {
            assertPreserved(config, new GrowthPlan(chain, RandomSteps.chain(config, 3, random)));
        }
    }

    @Test
    void denseLlamaUpcycledIsWrittenAsALlamaFileWithExperts() throws IOException {
        TransformerConfig llama = config(Architecture.LLAMA, false, false).withPositions(
                new Positions.Rope(1e6, RopeLayout.INTERLEAVED));
        assertPreserved(llama, new GrowthPlan(8, List.of(new ExpertUpcycling(8, 2))));
    }

    private void assertPreserved(TransformerConfig config, GrowthPlan plan) throws IOException {
        String name = config.architecture().id() + (config.tiedEmbeddings() ? " tied " : " ") + plan.steps();
        assertEquals(List.of(), plan.problems(config), name);
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);
        Model original = writeAndRead(RandomModels.create(config, DType.F64, 31));
        Model grown = writeAndRead(GROWER.grow(original, plan));
        assertEquals(plan.apply(config).architecture(), grown.config().architecture(), name);
        double d = Logits.maxDiffDouble(original, grown, tokens);
        assertTrue(d <= 1e-12, name + ": logits moved by " + d);

        Model single = writeAndRead(RandomModels.create(config, DType.F32, 32));
        double[] s = Logits.maxDiffFloat(single, writeAndRead(GROWER.grow(single, plan)), tokens);
        assertTrue(s[0] <= 1e-5 * s[1], name + ": single precision moved by " + s[0] + " (largest " + s[1] + ")");
    }

    private Model writeAndRead(Model model) throws IOException {
        Path file = dir.resolve(model.config().architecture().id() + "-" + System.nanoTime() + ".gguf");
        GGUF.write(model, file);
        return GGUF.read(file);
    }
}
