package io.grow4j.transforms.stream;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Gemma 2 and Gemma 3 directories grown by streaming write the very bytes and config.json the in-memory grower
 * writes (whose logits GemmaFamiliesTest holds to 1e-12), through every rule these families add: (1 + w) gains
 * shifted, the embedding rescaled, Gemma 3's q/k rows and key-norm gains, layer types written for a block inserted
 * mid-stack.
 */
class GemmaStreamingTest {
    enum Family {
        GEMMA2(Architecture.GEMMA2, 0), GEMMA3(Architecture.GEMMA3, 1e4);

        final Architecture architecture;
        final double localTheta;

        Family(Architecture architecture, double localTheta) {
            this.architecture = architecture;
            this.localTheta = localTheta;
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void streamedGrowthWritesTheInMemoryBytes(Family family, @TempDir Path tmp) throws IOException {
        TransformerConfig config = new TransformerConfig(family.architecture, 33, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, true), new MlpConfig(24, Activation.GEGLU_TANH, false), 1e-5,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT, new RopeScaling.Linear(2.0)), true, 0, false,
                new AttentionShape(8, family == Family.GEMMA2 ? 20 : 0, 15, 3, family.localTheta,
                        List.of(AttentionShape.LayerAttention.SLIDING, AttentionShape.LayerAttention.FULL)));
        GrowthPlan plan = new GrowthPlan(3, List.of(new HiddenExpansion(24), new HeadDimExpansion(8),
                new HeadAddition(2, false), new LayerAddition(1, List.of(1)), new MlpExpansion(30)));
        StreamedBytes.assertSameAsInMemory(config, plan, tmp);
    }
}
