package io.grow4j.transforms;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundingNotesTest {

    @Test
    void gpt2MeanFillInBf16IsReportedPerStepAndKind() {
        Model model = RandomModels.create(TestConfigs.gpt2(true), DType.BF16, 1);
        GrowthPlan plan = new GrowthPlan(1, List.of(new MlpExpansion(60), new HiddenExpansion(16)));
        List<String> notes = RoundingNotes.of(model, plan, DType.BF16);
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("step 2 (hidden): mean-filled new entries rounded to BF16 (relative error"
                + " up to 3.9e-03): token_embedding, position_embedding, layers.0.wo and "), notes.get(0));
        assertTrue(notes.get(1).startsWith("step 2 (hidden): old entries scaled by " + Math.sqrt(12.0 / 16)
                + " rounded to BF16"), notes.get(1));
        assertTrue(notes.get(1).contains("layers.0.attention_norm"), notes.get(1));
    }

    /** Without an explicit output dtype those tensors are stored in F32 instead (GrownDTypes), and the notes say so. */
    @Test
    void gpt2MeanFillInBf16IsKeptInF32ByDefault() {
        Model model = RandomModels.create(TestConfigs.gpt2(true), DType.BF16, 1);
        GrowthPlan plan = new GrowthPlan(1, List.of(new MlpExpansion(60), new HiddenExpansion(16)));
        List<String> notes = RoundingNotes.of(model, plan);
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("step 2 (hidden): mean-filled new entries kept in F32 (BF16 would round"
                + " them by up to 3.9e-03, beyond what verify accepts): token_embedding, position_embedding,"
                + " layers.0.wo and "), notes.get(0));
        Model grown = new Grower(new io.grow4j.kernels.pad.CpuPadKernel()).grow(model, plan);
        assertEquals(DType.F32, grown.tensor(io.grow4j.model.Role.TOKEN_EMBEDDING).dtype());
        assertEquals(DType.BF16, grown.tensor(io.grow4j.model.Role.W_UP, 0).dtype());
    }

    @Test
    void exactPlansAndDoublesHaveNoNotes() {
        GrowthPlan doubling = new GrowthPlan(1, List.of(new HiddenExpansion(24), new MlpExpansion(40)));
        assertEquals(List.of(), RoundingNotes.of(RandomModels.create(TestConfigs.bert(true), DType.F16, 1), doubling));
        GrowthPlan widening = new GrowthPlan(1, List.of(new HiddenExpansion(16)));
        assertEquals(List.of(), RoundingNotes.of(RandomModels.create(TestConfigs.gpt2(false), DType.F64, 1), widening));
        // attention expansion by 4 scales queries by 2: exact
        GrowthPlan quadruple = new GrowthPlan(1, List.of(new HeadDimExpansion(24)));
        assertEquals(List.of(), RoundingNotes.of(
                RandomModels.create(TestConfigs.llama(RopeLayout.HALF_SPLIT, false), DType.BF16, 1), quadruple));
    }

    /** Wq, Wk, Wv and Wup of both layers read the tripled dims: each × 1/3, inexact in F16. */
    @Test
    void tripledBertReadersAreReportedFromDtypesAlone() {
        Model model = RandomModels.create(TestConfigs.bert(false), DType.F32, 1);
        Map<TensorKey, DType> dtypes = new HashMap<>();
        model.tensors().keySet().forEach(k -> dtypes.put(k, DType.F16));
        List<String> notes = RoundingNotes.of(model.config(), dtypes,
                new GrowthPlan(1, List.of(new HiddenExpansion(36))));
        assertEquals(List.of("step 1 (hidden): old entries scaled by " + (1.0 / 3) + " kept in F32 (F16 would round"
                + " them by up to 4.9e-04, beyond what verify accepts): layers.0.wq, layers.0.wk, layers.0.wv and 5 more"),
                notes);
    }
}
