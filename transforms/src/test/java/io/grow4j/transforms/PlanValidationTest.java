package io.grow4j.transforms;

import io.grow4j.model.Activation;
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

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanValidationTest {
    private static final TransformerConfig LLAMA = TestConfigs.llama(RopeLayout.INTERLEAVED, true);
    private static final TransformerConfig GENERIC = TestConfigs.generic(Activation.RELU, true);

    private static List<String> problems(TransformerConfig config, GrowthStep... steps) {
        return new GrowthPlan(1, List.of(steps)).problems(config);
    }

    @Test
    void sizesMustGrow() {
        assertEquals(List.of("step 1 (mlp): MLP size 30 would shrink it from 40 (growth only)"),
                problems(LLAMA, new MlpExpansion(30)));
        assertEquals(List.of("step 1 (hidden): hidden size is already 24: the size must grow"),
                problems(LLAMA, new HiddenExpansion(24)));
        assertEquals(List.of("step 1 (head_dim): head size 4 would shrink it from 6 (growth only)"),
                problems(LLAMA, new HeadDimExpansion(4)));
    }

    @Test
    void ropeHeadSizeNeedsAnIntegerRatio() {
        List<String> p = problems(LLAMA, new HeadDimExpansion(9));
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("step 1 (head_dim): head size 6 -> 9 on a RoPE model needs an integer ratio"),
                p.get(0));
        assertEquals(List.of(), problems(LLAMA, new HeadDimExpansion(18)));
        // without RoPE any size works
        assertEquals(List.of(), problems(GENERIC, new HeadKeyExpansion(8), new HeadValueExpansion(9)));
    }

    @Test
    void headAdditionsMustKeepGroupsEven() {
        List<String> p = problems(LLAMA, new HeadAddition(3, false));
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("leaves GQA groups uneven: 4 query heads over 2 kv heads (2 per group)"),
                p.get(0));
        assertEquals(List.of(), problems(LLAMA, new HeadAddition(2, false)));
        assertEquals(List.of(), problems(LLAMA, new HeadAddition(2, true)));
        assertEquals(1, problems(LLAMA, new HeadAddition(3, true)).size());
    }

    @Test
    void separateHeadSizesOnlyWhereTheFormatHasThem() {
        List<String> p = problems(LLAMA, new HeadKeyExpansion(12), new HeadValueExpansion(12));
        assertEquals(List.of(
                "step 1 (head_key): head_key alone is not possible on llama: queries, keys and values share one head"
                        + " size there; use head_dim to grow both",
                "step 2 (head_value): head_value alone is not possible on llama: queries, keys and values share one"
                        + " head size there; use head_dim to grow both"), p);
        assertTrue(problems(GENERIC, new HeadDimExpansion(12)).get(0).contains("key size 5 != value size 7"));
    }

    @Test
    void layerPositionsAreChecked() {
        List<String> p = problems(LLAMA, new LayerAddition(2, List.of(0, 9)), new LayerAddition(2, List.of(1, 1)),
                new LayerAddition(1, List.of(0, 1)), new LayerAddition(0, List.of()));
        assertEquals(List.of(
                "step 1 (layers): position 9 is outside the grown model's layers 0..3",
                "step 2 (layers): position 1 is listed twice",
                "step 3 (layers): at lists 2 positions for 1 new layers",
                "step 4 (layers): add must be a positive number, got 0"), p);
    }

    @Test
    void laterStepsAreCheckedAgainstTheGrownConfig() {
        // the second mlp step is checked against 64, the size after the first
        assertEquals(List.of("step 2 (mlp): MLP size 50 would shrink it from 64 (growth only)"),
                problems(LLAMA, new MlpExpansion(64), new MlpExpansion(50)));
    }

    @Test
    void layerAdditionPlacesOldLayersAroundNewOnes() {
        assertEquals(List.of(-1, 0, 1, 2, -1), toList(new LayerAddition(2, List.of(0, 4)).oldLayerOf(3)));
        assertEquals(List.of(0, 1, 2, -1, -1), toList(new LayerAddition(2, List.of()).oldLayerOf(3)));
    }

    private static List<Integer> toList(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
