package io.grow4j.transforms;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
import io.grow4j.transforms.steps.HeadValueExpansion;
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
 * Qwen3 (per-head QK-norm) and OLMo-2 (norms after each branch, QK-norm over the whole projection) as their Hugging
 * Face directories hold them: every step the plan validator accepts, alone and in seeded random chains, keeps the
 * logits (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative in single precision from F32 files) after growing,
 * writing and reading back; every step it refuses says which term breaks. Epsilon is 1e-5 so that a missing epsilon
 * rule fails the double bound by far (without q_proj/k_proj × sqrt(h/h') hidden growth moves the logits by 7e-6 to
 * 3e-5 here).
 */
class QkNormFamiliesTest {

    @TempDir
    Path dir;

    /** Qwen3-shaped: GQA 4 over 2, head_dim 8 although hidden / heads is 6, optional attention biases. */
    static TransformerConfig qwen3(boolean tied, boolean bias) {
        return new TransformerConfig(Architecture.QWEN3, 37, 24, 2, 16, new AttentionConfig(4, 2, 8, 8, bias),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5, new Positions.Rope(1e6, RopeLayout.HALF_SPLIT),
                tied);
    }

    /** OLMo-2-shaped: GQA 4 over 2 (OLMo-2 1B uses MHA; the codec reads num_key_value_heads either way). */
    static TransformerConfig olmo2(boolean tied, boolean bias) {
        return new TransformerConfig(Architecture.OLMO2, 41, 24, 2, 16, new AttentionConfig(4, 2, 6, 6, bias),
                new MlpConfig(36, Activation.SWIGLU, false), 1e-5, new Positions.Rope(5e5, RopeLayout.HALF_SPLIT),
                tied);
    }

    static Stream<Arguments> acceptedSteps() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : List.of(qwen3(false, false), qwen3(true, true), olmo2(false, false),
                olmo2(true, true))) {
            String family = c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "")
                    + (c.attention().bias() ? " biased" : "");
            int k = c.attention().keySize();
            for (GrowthStep step : List.of(new MlpExpansion(c.mlp().size() + 8),
                    new HeadAddition(c.attention().queriesPerGroup(), false),
                    new HeadAddition(c.attention().kvHeads(), true),
                    new HiddenExpansion(c.hidden() + 8), new HeadDimExpansion(2 * k), new HeadDimExpansion(3 * k),
                    new LayerAddition(1, List.of(0)), new LayerAddition(2, List.of()))) {
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
        Random random = new Random(2026);
        for (TransformerConfig c : List.of(qwen3(false, true), olmo2(true, false))) {
            for (int chain = 0; chain < 3; chain++) {
                List<GrowthStep> steps = RandomSteps.chain(c, 3, random);
                assertPreserved(c.architecture().id() + " chain " + steps, c, new GrowthPlan(chain, steps));
            }
        }
    }

    @Test
    void refusedStepsSayWhichTermBreaks() {
        TransformerConfig qwen3 = qwen3(false, false);
        assertEquals(List.of("step 1 (head_key): head_key alone is not possible on qwen3: queries, keys and values"
                + " share one head size there; use head_dim to grow both"), problems(qwen3, new HeadKeyExpansion(16)));
        assertEquals(List.of("step 1 (head_value): head_value alone is not possible on qwen3: queries, keys and"
                + " values share one head size there; use head_dim to grow both"),
                problems(qwen3, new HeadValueExpansion(16)));
        assertEquals(List.of("step 1 (head_dim): head size 8 -> 12 on a RoPE model needs an integer ratio, so that"
                + " every rotary frequency survives (try 16 or 32)"), problems(qwen3, new HeadDimExpansion(12)));
        TransformerConfig noEpsilon = new TransformerConfig(Architecture.OLMO2, 41, 24, 2, 16,
                new AttentionConfig(4, 4, 6, 6, false), new MlpConfig(36, Activation.SWIGLU, false), 0.0,
                new Positions.Rope(5e5, RopeLayout.HALF_SPLIT), false);
        assertEquals(List.of("step 1 (layers): olmo2 norms each branch's output inside the residual; a new block's"
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
