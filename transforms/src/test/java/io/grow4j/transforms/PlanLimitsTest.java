package io.grow4j.transforms;

import io.grow4j.model.DType;
import io.grow4j.model.Dim;
import io.grow4j.model.MemoryBudget;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.kernels.pad.CpuPadKernel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8 faults 5 and 7: sizes from a plan are bounded and named before anything is allocated. */
class PlanLimitsTest {
    private static final TransformerConfig LLAMA = TestConfigs.llama(RopeLayout.INTERLEAVED, true);

    private static List<String> problems(String yaml) {
        return PlanFiles.parse(yaml, "plan.yaml").problems(LLAMA);
    }

    @Test
    void headSizePastTheLargestAxisNamesStepValueAndLimit() {
        // Was "Index 0 out of bounds for length 0" (head size 2^30 on 8 heads wrapped to 0 in int arithmetic); here
        // 4 heads x 6 * 2^28 wraps to a positive int, which is worse.
        List<String> p = problems("steps:\n  - head_dim: {size: 1610612736}\n");
        assertEquals(List.of("step 1 (head_dim): {size=1610612736} gives query heads 4 x head size 1610612736 ="
                + " 6442450944 rows exceed the largest axis, " + Dim.MAX_SIZE), p);
    }

    @Test
    void mlpSizePastTheLargestAxisIsAPlanProblem() {
        // Was "Requested array size exceeds VM limit" from the index map of int[2147483647].
        List<String> p = problems("steps:\n  - mlp: {size: 2147483647}\n");
        assertEquals(List.of("step 1 (mlp): {size=2147483647} gives MLP size 2147483647 exceeds the largest axis, "
                + Dim.MAX_SIZE), p);
    }

    @Test
    void layerCountOverflowNamesTheSum() {
        // Was "layers -2147483644": 2 + 2147483647 wrapped.
        List<String> p = problems("steps:\n  - layers: {add: 2147483647}\n");
        assertEquals(List.of("step 1 (layers): add 2147483647 to 2 layers gives 2147483649, more than the limit "
                + Dim.MAX_SIZE), p);
    }

    @Test
    void growthPastMemoryIsRefusedBeforeAllocatingWithWhatNeedsHowMuch() {
        GrowthPlan plan = PlanFiles.parse("steps:\n  - mlp: {size: 2000000000}\n", "plan.yaml");
        assertEquals(List.of(), plan.problems(LLAMA));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new Grower(new CpuPadKernel()).grow(RandomModels.create(LLAMA, DType.F32, 1), plan));
        assertTrue(e.getMessage().startsWith("step 1 (mlp) {size=2000000000}, grown in memory, needs ")
                && e.getMessage().contains("this JVM may use at most")
                && e.getMessage().contains(MemoryBudget.HOW_TO_RAISE), e.getMessage());
    }
}
