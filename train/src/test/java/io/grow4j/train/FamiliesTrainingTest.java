package io.grow4j.train;

import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Today's families whose parts the backward pass gained (Llama 3.x's llama3 rope scaling, OLMo-2's post-branch norms
 * and whole-projection QK-norm, GPT-NeoX's parallel residual and partial rotary) learn the small text and keep their
 * loss across growth mid-run, as GPT-2 and the llama do.
 */
class FamiliesTrainingTest {
    static final TransformerConfig LLAMA3 = TinyModels.llamaWith(ByteTokenizer.VOCAB_SIZE, 32, 2, 32,
            new Positions.Rope(5e5, RopeLayout.HALF_SPLIT, new RopeScaling.Llama3(32, 1, 4, 16)));
    static final TransformerConfig OLMO2 = TinyModels.olmo2(ByteTokenizer.VOCAB_SIZE, 32, 2, 32);
    static final TransformerConfig NEOX = TinyModels.neox(ByteTokenizer.VOCAB_SIZE, 32, 2, 32, true);

    /** Below the ≈ 3 nats of a byte-unigram model after 80 steps, the bound GPT-2's and the llama's runs meet. */
    @Test
    void lossDecreasesOnTheBuiltInText() throws IOException {
        TextCorpus corpus = TextCorpus.split(TrainerTest.smallCorpus(), 5, 32);
        for (TransformerConfig config : List.of(LLAMA3, OLMO2, NEOX)) {
            TrainerTest.assertLearns(TrainerTest.trainer(config, corpus, TrainerTest.settings(80, 2)).run(Map.of()),
                    3.0);
        }
    }

    @Test
    void lossIsKeptAcrossGrowthAndKeepsFalling() throws IOException {
        GrowthPlan plan = new GrowthPlan(11, List.of(new MlpExpansion(160), new LayerAddition(1, List.of())));
        for (TransformerConfig config : List.of(LLAMA3, OLMO2, NEOX)) {
            GrowthMidRunTest.assertGrowthKeepsTheLoss(config, plan, GrowthMidRun.OptimizerState.CARRY);
        }
    }
}
