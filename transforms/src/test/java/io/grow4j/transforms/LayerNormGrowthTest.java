package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LayerNorm families (DESIGN 2.2): what mean fill and duplication write, and what post-norm models refuse. */
class LayerNormGrowthTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final TransformerConfig GPT2 = TestConfigs.gpt2(true);
    private static final TransformerConfig BERT = TestConfigs.bert(true);

    private static List<String> problems(TransformerConfig config, io.grow4j.transforms.steps.GrowthStep... steps) {
        return new GrowthPlan(1, List.of(steps)).problems(config);
    }

    @Test
    void bertRefusesLayerAdditionWithTheReason() {
        List<String> p = problems(BERT, new LayerAddition(1, List.of()));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().startsWith("step 1 (layers): bert normalises after each residual add, so a block"
                + " whose output projections are zero still applies its LayerNorm to the stream (LN(x) != x)"),
                p.getFirst());
        PlanException e = assertThrows(PlanException.class, () -> GROWER.grow(RandomModels.create(BERT, DType.F32, 1),
                new GrowthPlan(1, List.of(new MlpExpansion(40), new LayerAddition(2, List.of(0, 1))))));
        assertTrue(e.getMessage().contains("step 2 (layers)"), e.getMessage());
    }

    @Test
    void bertRefusesNonIntegerHiddenRatiosWithTheReason() {
        List<String> p = problems(BERT, new HiddenExpansion(20));
        assertEquals(List.of("step 1 (hidden): hidden size 12 -> 20 on bert (post-norm) must be a multiple:"
                + " normalising after each residual add leaves duplication of every dim as the only exact widening"
                + " (try 24 or 36)"), p);
        assertEquals(List.of(), problems(BERT, new HiddenExpansion(36)));
        assertEquals(List.of(), problems(GPT2, new HiddenExpansion(13)), "mean fill takes any size");
    }

    @Test
    void meanFillScalesEpsAndGainsDuplicationKeepsThem() {
        TransformerConfig wider = new HiddenExpansion(16).apply(GPT2);
        assertEquals(GPT2.normEps() * 12 / 16, wider.normEps(), 0.0);
        TransformerConfig doubled = new HiddenExpansion(24).apply(BERT);
        assertEquals(BERT.normEps(), doubled.normEps(), 0.0);

        Model gpt2 = RandomModels.create(GPT2, DType.F64, 4);
        Model grown = GROWER.grow(gpt2, new GrowthPlan(3, List.of(new HiddenExpansion(16))));
        Tensor gain = gpt2.tensor(Role.MLP_NORM, 1);
        Tensor grownGain = grown.tensor(Role.MLP_NORM, 1);
        assertEquals(gain.get(5) * Math.sqrt(12.0 / 16), grownGain.get(5), 0.0);
        Tensor bias = grown.tensor(Role.FINAL_NORM_BIAS);
        assertEquals(gpt2.tensor(Role.FINAL_NORM_BIAS).get(3), bias.get(3), 0.0);
        for (int i = 12; i < 16; i++) {
            assertEquals(0.0, bias.get(i), "new LayerNorm bias entries are zero");
        }
        Tensor embedding = gpt2.tensor(Role.TOKEN_EMBEDDING);
        double rowMean = 0;
        for (int i = 0; i < 12; i++) {
            rowMean += embedding.get(7 * 12 + i);
        }
        assertEquals(rowMean / 12, grown.tensor(Role.TOKEN_EMBEDDING).get(7 * 16 + 14), 0.0,
                "a new embedding column holds its row's mean");
    }

    @Test
    void duplicationTilesWritersAndNormsAndSplitsReaders() {
        Model bert = RandomModels.create(BERT, DType.F64, 5);
        Model grown = GROWER.grow(bert, new GrowthPlan(3, List.of(new HiddenExpansion(36))));
        Tensor gain = bert.tensor(Role.EMBEDDING_NORM);
        Tensor tiled = grown.tensor(Role.EMBEDDING_NORM);
        Tensor wq = bert.tensor(Role.WQ, 0);
        Tensor split = grown.tensor(Role.WQ, 0);
        for (int copy = 0; copy < 3; copy++) {
            assertEquals(gain.get(4), tiled.get(copy * 12 + 4), 0.0);
            assertEquals(wq.get(2 * 12 + 4) / 3, split.get(2 * 36 + copy * 12 + 4), 0.0);
        }
        assertEquals(bert.tensor(Role.POOLER_BIAS).get(1), grown.tensor(Role.POOLER_BIAS).get(25), 0.0);
    }
}
