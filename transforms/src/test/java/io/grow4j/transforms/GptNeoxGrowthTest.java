package io.grow4j.transforms;

import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
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
 * GPT-NeoX (Pythia) as its Hugging Face directories hold it: every plan the validator and the directory accept keeps
 * the logits (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative in single precision from F32 files) after growing,
 * writing and reading back, alone and in seeded random chains; every refusal names the term that breaks. Since
 * GPTNeoXConfig derives the head size as hidden_size / num_attention_heads, heads and head size grow together with
 * hidden (as in GPT-2). Hidden growth is mean fill (DESIGN 2.2, exact with the parallel residual too: both branches'
 * writers put the mean of their old rows in the new dims); head size growth keeps every rotary frequency of the
 * partial rotary part only when it grows by an integer ratio, int(k'·pct) = r·int(k·pct) (DESIGN 2.6).
 */
class GptNeoxGrowthTest {
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static List<TransformerConfig> configs() {
        return List.of(NeoxConfigs.pythia(), NeoxConfigs.pythia(false, 0.5, true, false),
                NeoxConfigs.pythia(true, 0.5, false, true));
    }

    static Stream<Arguments> acceptedPlans() {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : configs()) {
            String family = c.architecture().id() + " rotary " + ((Positions.Rope) c.positions()).fraction()
                    + (c.tiedEmbeddings() ? " tied" : "") + (c.attention().bias() ? " biased" : "");
            int k = c.attention().keySize();
            int heads = c.attention().queryHeads();
            for (List<GrowthStep> steps : List.<List<GrowthStep>>of(
                    List.of(new MlpExpansion(c.mlp().size() + 8)),
                    List.of(new HeadAddition(2, false), new HiddenExpansion((heads + 2) * k)),
                    List.of(new HeadDimExpansion(2 * k), new HiddenExpansion(heads * 2 * k)),
                    List.of(new HeadDimExpansion(3 * k), new HiddenExpansion(heads * 3 * k)),
                    List.of(new LayerAddition(1, List.of(0))),
                    List.of(new LayerAddition(2, List.of())))) {
                cases.add(Arguments.of(family + " " + steps, c, steps));
            }
        }
        // head size x 2.5 and the rotated part x 3: int(20 x 0.3) = 6 = 3 x int(8 x 0.3), so pair i goes to pair 3i,
        // not to 2.5i; the pass-through dims follow the rotated part
        cases.add(Arguments.of("gpt_neox rotary 0.3 head_dim 8 -> 20", rotary03(),
                List.of(new HeadDimExpansion(20), new HiddenExpansion(80))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedPlans")
    void everyAcceptedPlanKeepsTheLogitsThroughTheDirectory(String name, TransformerConfig config,
            List<GrowthStep> steps) throws IOException {
        assertPreserved(name, config, new GrowthPlan(5, steps));
    }

    /** Chains of units that each leave a writable model: mlp, layers, heads with hidden, head size with hidden. */
    @Test
    void seededRandomChainsKeepTheLogits() throws IOException {
        Random random = new Random(2026);
        for (TransformerConfig start : configs()) {
            for (int chain = 0; chain < 2; chain++) {
                List<GrowthStep> steps = new ArrayList<>();
                TransformerConfig c = start;
                for (int unit = 0; unit < 3; unit++) {
                    for (GrowthStep step : unit(c, random)) {
                        steps.add(step);
                        c = step.apply(c);
                    }
                }
                assertPreserved(start.architecture().id() + " chain " + steps, start, new GrowthPlan(chain, steps));
            }
        }
    }

    private static List<GrowthStep> unit(TransformerConfig c, Random r) {
        int k = c.attention().keySize();
        int heads = c.attention().queryHeads();
        return switch (r.nextInt(4)) {
            case 0 -> List.of(new MlpExpansion(c.mlp().size() + 1 + r.nextInt(16)));
            case 1 -> List.of(new LayerAddition(1, List.of(r.nextInt(c.layers() + 1))));
            case 2 -> {
                int add = 1 + r.nextInt(2);
                yield List.of(new HeadAddition(add, false), new HiddenExpansion((heads + add) * k));
            }
            default -> k > 16 ? List.of(new MlpExpansion(c.mlp().size() + 3))
                    : List.of(new HeadDimExpansion(2 * k), new HiddenExpansion(heads * 2 * k));
        };
    }

    @Test
    void headSizesThatMoveRotaryFrequenciesAreRefusedWithTheRotatedPartNamed() {
        assertEquals(List.of("step 1 (head_dim): head size 8 -> 12 with partial rotary 0.25 rotates int(12 x 0.25) = 3"
                + " dims instead of 2: the rotated part must grow by an integer ratio (and stay even) so that every"
                + " rotary frequency survives (try 16 or 32)"), problems(NeoxConfigs.pythia(), new HeadDimExpansion(12)));
        // an integer ratio of head sizes is not enough: 8 x 0.3 rotates 2 dims, 24 x 0.3 rotates 7
        TransformerConfig odd = rotary03();
        assertEquals(List.of("step 1 (head_dim): head size 8 -> 24 with partial rotary 0.3 rotates int(24 x 0.3) = 7"
                + " dims instead of 2: the rotated part must grow by an integer ratio (and stay even) so that every"
                + " rotary frequency survives (try 16 or 32)"), problems(odd, new HeadDimExpansion(24)));
        assertEquals(List.of(), problems(odd, new HeadDimExpansion(16)), "int(16 x 0.3) = 4 = 2 x 2");
    }

    /** The validator accepts these steps; what refuses them is GPTNeoXConfig, which cannot describe the result. */
    @Test
    void stepsGptNeoxConfigCannotDescribeAreRefusedBeforeWriting() {
        TransformerConfig c = NeoxConfigs.pythia();
        assertEquals(List.of("GPT-NeoX's head size is hidden_size / num_attention_heads = 40 / 4, but this model's is"
                + " 8: grow heads or head_dim along with hidden so that heads × head size = hidden"),
                FORMAT.writeProblems(new HiddenExpansion(40).apply(c)));
        assertEquals(List.of("GPT-NeoX has one key/value head per query head; this model has 8 query heads over 4 kv"
                + " heads", "GPT-NeoX's head size is hidden_size / num_attention_heads = 32 / 8, but this model's is 8:"
                + " grow heads or head_dim along with hidden so that heads × head size = hidden"),
                FORMAT.writeProblems(new HeadAddition(4, true).apply(c)));
    }

    /** rotary_pct 0.3 on heads of 8: int(2.4) = 2 dims rotate. */
    private static TransformerConfig rotary03() {
        TransformerConfig c = NeoxConfigs.pythia();
        return c.withPositions(new Positions.Rope(10000, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.3));
    }

    private static List<String> problems(TransformerConfig config, GrowthStep step) {
        return new GrowthPlan(1, List.of(step)).problems(config);
    }

    private void assertPreserved(String name, TransformerConfig config, GrowthPlan plan) throws IOException {
        HfGrowthCheck.assertPreserved(dir, name, config, plan);
    }
}
