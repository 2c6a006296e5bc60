package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.RopeScaling;
import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.Init;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GGUF qwen2, qwen3, olmo2, phi3 (partial rotary), gptneox (parallel and sequential, exact and tanh GELU),
 * llama-with-experts, gemma2 and gemma3 files: a random model written and read back is the same model, and
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

    /**
     * Every tensor bit for bit, but a Gemma file's norm weights w, which it holds as g = 1 + w: those read back as a w'
     * whose gain 1 + w' is the same float32 gain.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource({"families", "gemmas"})
    void aFileReadsBackAsTheModelItWasWrittenFrom(TransformerConfig config) throws IOException {
        Model model = RandomModels.create(config, DType.F32, 3);
        Model reread = writeAndRead(model);
        assertEquals(config, reread.config());
        assertEquals(model.tensors().keySet(), reread.tensors().keySet());
        model.tensors().forEach((key, t) -> {
            assertArrayEquals(t.shape(), reread.tensor(key).shape(), key.toString());
            if (key.role().isNorm() && config.normKind() == NormKind.RMS_UNIT_OFFSET) {
                float[] w = t.toFloatArray();
                float[] back = reread.tensor(key).toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(1f + w[i], 1f + back[i], key + "[" + i + "]: the gain 1 + w");
                }
            } else {
                assertEquals(-1, t.data().mismatch(reread.tensor(key).data()), key + " bit for bit");
            }
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

    /** Gemma 2 as llama.cpp derives it for 2 layers: sliding then global, scale key_length^-0.5, both soft caps. */
    static TransformerConfig gemma2() {
        return new TransformerConfig(Architecture.GEMMA2, 37, 24, 2, 16, new AttentionConfig(4, 2, 8, 8, false, false),
                new MlpConfig(40, Activation.GEGLU_TANH, false), 1e-5, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                true, 0, false, new AttentionShape(8, 2.0, 3.0, 3, 0, AttentionShape.periodic(2, 2)));
    }

    /** Gemma 3 (text) with six layers (five sliding on base 10000, one global with linear scaling), no soft caps. */
    static TransformerConfig gemma3() {
        return new TransformerConfig(Architecture.GEMMA3, 41, 24, 6, 16, new AttentionConfig(4, 2, 6, 6, false, false),
                new MlpConfig(36, Activation.GEGLU_TANH, false), 1e-5,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT, new RopeScaling.Linear(8.0)), true, 0, false,
                new AttentionShape(6, 0, 0, 3, 1e4, AttentionShape.periodic(6, 6)));
    }

    static Stream<TransformerConfig> gemmas() {
        return Stream.of(gemma2(), gemma3());
    }

    /**
     * Every step kind GGUF can hold for Gemma, in one plan: MLP, heads, hidden (zero-fill, then duplicated) and a
     * whole period of layers appended (the pattern llama.cpp derives from the index continues).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gemmas")
    void gemmaStepsThatGgufHoldsKeepTheLogits(TransformerConfig config) throws IOException {
        int period = config.architecture() == Architecture.GEMMA2 ? 2 : 6;
        int heads = config.attention().queryHeads() + config.attention().queriesPerGroup();
        List<GrowthStep> steps = List.of(new MlpExpansion(config.mlp().size() + 8),
                new HeadAddition(config.attention().queriesPerGroup(), false), new HiddenExpansion(32),
                new HiddenExpansion(64, Init.CLONE), new LayerAddition(period, List.of()));
        assertEquals(heads, new GrowthPlan(1, steps).apply(config).attention().queryHeads());
        assertPreserved(config, new GrowthPlan(7, steps));
    }

    /**
     * Growth whose result llama.cpp would compute differently is refused before anything is written, naming the
     * field: head size (llama.cpp scales by key_length^-0.5, the model keeps query_pre_attn_scalar) and a layer
     * inserted first (the old global layer would move to an index llama.cpp makes sliding).
     */
    @Test
    void gemmaGrowthThatGgufCannotHoldIsRefusedWithTheField() {
        assertWriteRefused(new HeadDimExpansion(16).apply(gemma2()), "query_pre_attn_scalar is 8.0, but llama.cpp's"
                + " gemma2 scales attention by key_length^-0.5 = 16^-0.5");
        assertWriteRefused(new LayerAddition(1, List.of(0)).apply(gemma3()), "layer_types [SLIDING, SLIDING, SLIDING,"
                + " SLIDING, SLIDING, SLIDING, FULL] differ from the pattern llama.cpp's gemma3 derives");
        TransformerConfig untied = new TransformerConfig(Architecture.GEMMA2, 37, 24, 2, 16,
                gemma2().attention(), gemma2().mlp(), 1e-5, gemma2().positions(), false, 0, false,
                gemma2().attentionShape());
        assertWriteRefused(untied, "llama.cpp's gemma2 uses token_embd as the output head");
        AttentionShape s = gemma3().attentionShape();
        assertWriteRefused(gemma3().withAttentionShape(new AttentionShape(6, 0, 30, 3, 1e4, s.layerTypes())),
                "final_logit_softcapping 30.0: llama.cpp's gemma3 soft-caps neither");
        assertWriteRefused(gemma3().withAttentionShape(new AttentionShape(6, 0, 0, 3, 5e4, s.layerTypes())),
                "rope_local_base_freq 50000.0: llama.cpp's gemma3 rotates sliding layers with base 10000.0");
    }

    private void assertWriteRefused(TransformerConfig config, String reason) {
        List<String> problems = GGUF.writeProblems(config);
        assertTrue(problems.stream().anyMatch(p -> p.contains(reason)), reason + " not in " + problems);
        Path file = dir.resolve("refused.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GGUF.write(RandomModels.create(config, DType.F32, 1), file));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(Files.exists(file));
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
