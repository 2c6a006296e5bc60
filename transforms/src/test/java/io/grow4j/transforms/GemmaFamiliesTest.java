package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionShape.LayerAttention;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.grow4j.model.AttentionShape.LayerAttention.FULL;
import static io.grow4j.model.AttentionShape.LayerAttention.SLIDING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemma 2 and Gemma 3 (text) as their Hugging Face directories hold them: every step the plan validator accepts,
 * alone and in seeded random chains, keeps the logits (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative in single
 * precision from F32 files) after growing, writing and reading back; every refused step says why. The models are
 * shaped so that each Gemma term acts: soft caps small enough for tanh to bend, a sliding window of 3 over 10
 * tokens, query_pre_attn_scalar 12 unlike the head size, epsilon 1e-5, (1 + w) gains around 2, and Gemma 3's
 * global layers with linear RoPE scaling and its sliding layers with their own base.
 */
class GemmaFamiliesTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static TransformerConfig gemma2(boolean tied, boolean bias) {
        return new TransformerConfig(Architecture.GEMMA2, 37, 24, 3, 16, new AttentionConfig(4, 2, 8, 8, bias),
                new MlpConfig(40, Activation.GEGLU_TANH, false), 1e-5, new Positions.Rope(1e4, RopeLayout.HALF_SPLIT),
                tied, 0, false, new AttentionShape(12, 2.0, 3.0, 3, 0, List.of(SLIDING, FULL, SLIDING)));
    }

    static TransformerConfig gemma3(boolean tied, boolean bias) {
        return new TransformerConfig(Architecture.GEMMA3, 41, 24, 3, 16, new AttentionConfig(4, 2, 6, 6, bias),
                new MlpConfig(36, Activation.GEGLU_TANH, false), 1e-5,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT, new RopeScaling.Linear(8.0)), tied, 0, false,
                new AttentionShape(12, 0, 2.5, 3, 1e4, List.of(SLIDING, SLIDING, FULL)));
    }

    static Stream<Arguments> acceptedSteps() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : List.of(gemma2(true, false), gemma2(false, true), gemma3(true, false),
                gemma3(false, true))) {
            String family = c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "")
                    + (c.attention().bias() ? " biased" : "");
            int k = c.attention().keySize();
            for (GrowthStep step : List.of(new MlpExpansion(c.mlp().size() + 8),
                    new HeadAddition(c.attention().queriesPerGroup(), false),
                    new HeadAddition(c.attention().kvHeads(), true),
                    new HiddenExpansion(c.hidden() + 8), new HeadDimExpansion(2 * k), new HeadDimExpansion(3 * k),
                    new LayerAddition(1, List.of(0)), new LayerAddition(1, List.of(1)),
                    new LayerAddition(2, List.of()))) {
                cases.add(Arguments.of(family + " " + step, c, step));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedSteps")
    void everyAcceptedStepKeepsTheLogitsThroughTheDirectory(String name, TransformerConfig config, GrowthStep step)
            throws IOException {
        assertPreserved(name, config, new GrowthPlan(5, List.of(step)));
    }

    @Test
    void seededRandomChainsOfAcceptedStepsKeepTheLogits() throws IOException {
        Random random = new Random(2027);
        for (TransformerConfig c : List.of(gemma2(false, false), gemma3(true, true))) {
            for (int chain = 0; chain < 3; chain++) {
                List<GrowthStep> steps = RandomSteps.chain(c, 3, random);
                assertPreserved(c.architecture().id() + " chain " + steps, c, new GrowthPlan(chain, steps));
            }
        }
    }

    /**
     * A block inserted mid-stack keeps every old layer's type (written to layer_types), and the types matter: the
     * same weights with the pattern shifted by one, as transformers' default pattern would give the grown model,
     * move the logits by far more than any bound.
     */
    @Test
    void layerAdditionWritesEveryLayerTypeAndTheTypesMatter() throws IOException {
        TransformerConfig c = gemma2(true, false);
        LayerAddition step = new LayerAddition(1, List.of(1));
        TransformerConfig grown = step.apply(c);
        assertEquals(List.of(SLIDING, SLIDING, FULL, SLIDING), grown.attentionShape().layerTypes());
        Model model = GROWER.grow(RandomModels.create(c, DType.F64, 3), new GrowthPlan(1, List.of(step)));
        Path out = dir.resolve("grown");
        FORMAT.write(model, out);
        String json = Files.readString(out.resolve("config.json"));
        assertTrue(json.replaceAll("\\s", "").contains("\"layer_types\":[\"sliding_attention\",\"sliding_attention\","
                + "\"full_attention\",\"sliding_attention\"]"), json);

        List<LayerAttention> shifted = List.of(SLIDING, FULL, SLIDING, FULL);
        Model naive = new Model(grown.withAttentionShape(grown.attentionShape().withLayerTypes(shifted)),
                model.tensors());
        double moved = Logits.maxDiffDouble(model, naive, Logits.randomTokens(c.vocabSize(), 10, 3));
        assertTrue(moved > 1e-3, "the layer pattern changes the logits by " + moved);
    }

    @Test
    void refusedStepsSayWhichTermBreaks() {
        TransformerConfig gemma2 = gemma2(false, false);
        assertEquals(List.of("step 1 (head_key): head_key alone is not possible on gemma2: queries, keys and values"
                + " share one head size there; use head_dim to grow both"), problems(gemma2, new HeadKeyExpansion(16)));
        assertEquals(List.of("step 1 (head_dim): head size 6 -> 9 on a RoPE model needs an integer ratio, so that"
                + " every rotary frequency survives (try 12 or 24)"),
                problems(gemma3(false, false), new HeadDimExpansion(9)));
        TransformerConfig noEpsilon = new TransformerConfig(Architecture.GEMMA2, 37, 24, 3, 16,
                gemma2.attention(), gemma2.mlp(), 0.0, gemma2.positions(), false, 0, false, gemma2.attentionShape());
        assertEquals(List.of("step 1 (layers): gemma2 norms each branch's output inside the residual; a new block's"
                + " zero branch is normed to 0 only when epsilon > 0, and this model's rms_norm_eps is 0.0"),
                problems(noEpsilon, new LayerAddition(1, List.of())));
    }

    private static List<String> problems(TransformerConfig config, GrowthStep step) {
        return new GrowthPlan(1, List.of(step)).problems(config);
    }

    private void assertPreserved(String name, TransformerConfig config, GrowthPlan plan) throws IOException {
        HfGrowthCheck.assertPreserved(dir, name, config, plan);
    }
}
