package io.grow4j.transforms.stream;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
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
 * Qwen3 and OLMo-2 directories grown by streaming write the very bytes the in-memory grower writes (whose logits
 * QkNormFamiliesTest holds to 1e-12), through every rule these families add: QK-norm gains moved and copied, q/k
 * rows rescaled, post-branch gains, a new layer.
 */
class QkNormStreamingTest {
    enum Family {
        QWEN3(Architecture.QWEN3), OLMO2(Architecture.OLMO2);

        final Architecture architecture;

        Family(Architecture architecture) {
            this.architecture = architecture;
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void streamedGrowthWritesTheInMemoryBytes(Family family, @TempDir Path tmp) throws IOException {
        TransformerConfig config = new TransformerConfig(family.architecture, 33, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, true), new MlpConfig(24, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT), false);
        GrowthPlan plan = new GrowthPlan(3, List.of(new HiddenExpansion(24), new HeadDimExpansion(8),
                new HeadAddition(2, false), new LayerAddition(1, List.of(1)), new MlpExpansion(30)));
        StreamedBytes.assertSameAsInMemory(config, plan, tmp);
    }
}
