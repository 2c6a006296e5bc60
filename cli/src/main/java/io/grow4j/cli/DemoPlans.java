package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
import io.grow4j.transforms.steps.HeadValueExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;

import java.util.ArrayList;
import java.util.List;

/** The demo's built-in models and a plan that uses every transformation that applies to a config. */
final class DemoPlans {
    static final long SEED = 7;

    private DemoPlans() {
    }

    /**
     * A small Llama-style decoder shaped like stories260K (RoPE on interleaved pairs, GQA 8/4, SwiGLU) but with an
     * untied head: a random tied head mostly predicts the token it was fed, which makes a dull continuation.
     */
    static TransformerConfig llamaStyle() {
        return new TransformerConfig(Architecture.LLAMA, 512, 64, 4, 256, new AttentionConfig(8, 4, 8, 8, false),
                new MlpConfig(172, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.INTERLEAVED),
                false);
    }

    /** The paper's decoder: learned positions, key size 8 != value size 12, GELU, biases, untied head. */
    static TransformerConfig paperStyle() {
        return new TransformerConfig(Architecture.GENERIC, 512, 48, 3, 256, new AttentionConfig(4, 4, 8, 12, true),
                new MlpConfig(128, Activation.GELU, true), 1e-5, new Positions.Learned(), false);
    }

    /**
     * MLP ×2, one more GQA group, head size ×2 (key and value separately where the family allows), hidden ×1.5,
     * and two layers, one in front and one in the middle.
     */
    static GrowthPlan forConfig(TransformerConfig c) {
        List<GrowthStep> steps = new ArrayList<>();
        steps.add(new MlpExpansion(2 * c.mlp().size()));
        steps.add(new HeadAddition(c.attention().queriesPerGroup(), false));
        int k = c.attention().keySize();
        int v = c.attention().valueSize();
        if (c.architecture().separateHeadSizes()) {
            steps.add(new HeadKeyExpansion(2 * k));
            steps.add(new HeadValueExpansion(v + 4));
        } else {
            steps.add(new HeadDimExpansion(2 * k));
        }
        steps.add(new HiddenExpansion(c.hidden() + Math.max(2, c.hidden() / 2 / 2 * 2)));
        int total = c.layers() + 2;
        steps.add(new LayerAddition(2, List.of(0, total / 2)));
        return new GrowthPlan(SEED, steps);
    }
}
