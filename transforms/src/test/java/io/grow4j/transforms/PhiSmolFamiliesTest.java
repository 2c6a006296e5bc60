package io.grow4j.transforms;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Phi-3 (fused qkv_proj and gate_up_proj, partial rotary, longrope) and SmolLM3 (layers without RoPE, biases) as
 * their Hugging Face directories hold them: every step the plan validator accepts, alone and in seeded random chains,
 * keeps the logits (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative in single precision from F32 files) after
 * growing, writing and reading back; every step refused for these models says which term breaks. Sequences run past
 * longrope's original context (4 positions), so the long factors are checked as well as the short ones.
 */
class PhiSmolFamiliesTest {
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    @TempDir
    Path dir;

    /** Phi-4-mini-shaped: GQA 4 over 2, 6 of 8 head dims rotate, hidden / heads = head_dim as Phi3Config needs. */
    static TransformerConfig phi3(boolean tied, boolean longRope) {
        RopeScaling scaling = longRope ? new RopeScaling.LongRope(List.of(1.0, 1.5, 2.0), List.of(2.0, 3.0, 5.0), 4,
                null, null) : RopeScaling.NONE;
        return new TransformerConfig(Architecture.PHI3, 37, 32, 2, 16, new AttentionConfig(4, 2, 8, 8, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, scaling, 0.75), tied);
    }

    /** SmolLM3-shaped: 3 layers, the middle one without RoPE, attention and MLP biases, tied head. */
    static TransformerConfig smollm3(boolean bias) {
        return new TransformerConfig(Architecture.SMOLLM3, 41, 24, 3, 16, new AttentionConfig(4, 2, 6, 6, bias),
                new MlpConfig(36, Activation.SWIGLU, bias), 1e-5,
                new Positions.Rope(2e6, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 1.0, List.of(1)), true);
    }

    static Stream<Arguments> acceptedSteps() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : List.of(phi3(false, false), phi3(true, true), smollm3(false), smollm3(true))) {
            String family = c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "")
                    + (((Positions.Rope) c.positions()).scaling() instanceof RopeScaling.LongRope ? " longrope" : "")
                    + (c.attention().bias() ? " biased" : "");
            int k = c.attention().keySize();
            boolean lists = ((Positions.Rope) c.positions()).scaling() instanceof RopeScaling.LongRope;
            List<GrowthStep> steps = new ArrayList<>(List.of(new MlpExpansion(c.mlp().size() + 8),
                    new LayerAddition(1, List.of(0)), new LayerAddition(2, List.of(1, c.layers() + 1))));
            if (!lists) { // Phi3Config checks longrope lists against hidden / heads: see the refusal test
                steps.addAll(List.of(new HeadAddition(c.attention().queriesPerGroup(), false),
                        new HeadAddition(c.attention().kvHeads(), true), new HiddenExpansion(c.hidden() + 8),
                        new HeadDimExpansion(2 * k), new HeadDimExpansion(3 * k)));
            }
            for (GrowthStep step : steps) {
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

    /** Head size and hidden size together keep hidden / heads = head_dim, so longrope's lists stay valid for HF. */
    @Test
    void longropeHeadSizeGrowsWithHiddenAndSpreadsTheFactorLists() throws IOException {
        TransformerConfig c = phi3(false, true);
        GrowthPlan plan = new GrowthPlan(3, List.of(new HeadDimExpansion(16), new HiddenExpansion(64)));
        assertPreserved("phi3 longrope head_dim 16 + hidden 64", c, plan);
        Positions.Rope grown = (Positions.Rope) plan.apply(c).positions();
        assertEquals(12, grown.rotaryDims(16), "the rotated block grows by the head's ratio");
        assertEquals(new RopeScaling.LongRope(List.of(1.0, 1.0, 1.5, 1.0, 2.0, 1.0),
                List.of(2.0, 1.0, 3.0, 1.0, 5.0, 1.0), 4, null, null), grown.scaling(), "new[2i] = old[i]");
        assertPreserved("phi3 longrope heads 8 + hidden 64", c, new GrowthPlan(4,
                List.of(new HeadAddition(4, false), new HiddenExpansion(64))));
    }

    @Test
    void layerAdditionKeepsEachOldLayerWithoutRope() {
        TransformerConfig grown = new GrowthPlan(1, List.of(new LayerAddition(2, List.of(0, 2)))).apply(smollm3(true));
        assertEquals(List.of(3), ((Positions.Rope) grown.positions()).nopeLayers(), "old layer 1 is now layer 3");
    }

    @Test
    void seededRandomChainsOfAcceptedStepsKeepTheLogits() throws IOException {
        Random random = new Random(2027);
        for (TransformerConfig c : List.of(phi3(true, false), smollm3(true))) {
            for (int chain = 0; chain < 3; chain++) {
                List<GrowthStep> steps = RandomSteps.chain(c, 3, random);
                assertPreserved(c.architecture().id() + " chain " + steps, c, new GrowthPlan(chain, steps));
            }
        }
    }

    @Test
    void refusedStepsSayWhichTermBreaks() {
        TransformerConfig phi3 = phi3(false, true);
        assertEquals(List.of("step 1 (head_dim): head size 8 -> 12 with partial rotary 0.75 rotates int(12 x 0.75)"
                + " = 9 dims instead of 6: the rotated part must grow by an integer ratio (and stay even) so that every"
                + " rotary frequency survives (try 16 or 32)"),
                new GrowthPlan(1, List.of(new HeadDimExpansion(12))).problems(phi3));
        String hfCheck = "transformers' Phi3Config checks longrope short_factor/long_factor lengths against"
                + " hidden_size / num_attention_heads = ";
        assertEquals(List.of(hfCheck + "8, not head_dim 16, so it refuses this config (grow hidden and heads together"
                + " so they keep head_dim)"), FORMAT.writeProblems(plan(new HeadDimExpansion(16)).apply(phi3)));
        assertEquals(List.of(hfCheck + "10, not head_dim 8, so it refuses this config (grow hidden and heads together"
                + " so they keep head_dim)"), FORMAT.writeProblems(plan(new HiddenExpansion(40)).apply(phi3)));
        TransformerConfig uneven = new TransformerConfig(Architecture.PHI3, 37, 40, 2, 16,
                new AttentionConfig(4, 2, 10, 10, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.65), false);
        assertEquals(List.of("step 1 (head_dim): head size 10 -> 20 with partial rotary 0.65 rotates int(20 x 0.65) ="
                + " 13 dims instead of 6: the rotated part must grow by an integer ratio (and stay even) so that every"
                + " rotary frequency survives (try 20 or 40)"), plan(new HeadDimExpansion(20)).problems(uneven));
        assertEquals(List.of(hfCheck + "5, not head_dim 8, so it refuses this config (grow hidden and heads together"
                + " so they keep head_dim)"), FORMAT.writeProblems(plan(new HeadAddition(2, false)).apply(phi3)));
    }

    private static GrowthPlan plan(GrowthStep step) {
        return new GrowthPlan(1, List.of(step));
    }

    private void assertPreserved(String name, TransformerConfig config, GrowthPlan plan) throws IOException {
        FamilyPreservation.assertPreserved(dir, name, config, plan);
    }
}
