package io.grow4j.transforms;

import io.grow4j.model.TransformerConfig;
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
import java.util.Random;

/**
 * Random valid steps for a config, small enough that a chain stays cheap in the double-precision reference. Each
 * kind of step is drawn with equal chance among those that apply.
 */
public final class RandomSteps {
    private RandomSteps() {
    }

    public static List<GrowthStep> chain(TransformerConfig start, int length, Random random) {
        List<GrowthStep> steps = new ArrayList<>();
        TransformerConfig config = start;
        for (int i = 0; i < length; i++) {
            GrowthStep step = next(config, random);
            if (!step.problems(config).isEmpty()) {
                throw new IllegalStateException("generated an invalid step " + step + ": " + step.problems(config));
            }
            steps.add(step);
            config = step.apply(config);
        }
        return steps;
    }

    static GrowthStep next(TransformerConfig c, Random r) {
        List<String> kinds = new ArrayList<>(List.of("mlp", "heads", "hidden", "layers"));
        int k = c.attention().keySize();
        int v = c.attention().valueSize();
        if (k == v && k <= 12) {
            kinds.add("head_dim");
        }
        if (c.architecture().separateHeadSizes() && k <= 12) {
            kinds.add("head_key");
        }
        if (c.architecture().separateHeadSizes()) {
            kinds.add("head_value");
        }
        if (c.attention().queryHeads() > 12) {
            kinds.remove("heads");
        }
        if (c.postNorm()) {
            kinds.remove("layers"); // no exact identity layer after each residual add (DESIGN 2.2)
            if (c.hidden() > 24) {
                kinds.remove("hidden"); // duplication multiplies the width: keep chains cheap
            }
        }
        return switch (kinds.get(r.nextInt(kinds.size()))) {
            case "mlp" -> new MlpExpansion(c.mlp().size() + 1 + r.nextInt(16));
            case "heads" -> r.nextBoolean()
                    ? new HeadAddition(c.attention().queriesPerGroup() * (1 + r.nextInt(2)), false)
                    : new HeadAddition(c.attention().kvHeads(), true);
            case "hidden" -> new HiddenExpansion(c.postNorm() ? c.hidden() * (2 + r.nextInt(2))
                    : c.hidden() + 1 + r.nextInt(12));
            case "layers" -> layers(c, r);
            case "head_dim" -> new HeadDimExpansion(keySize(c, r));
            case "head_key" -> new HeadKeyExpansion(keySize(c, r));
            case "head_value" -> new HeadValueExpansion(v + 1 + r.nextInt(4));
            default -> throw new IllegalStateException();
        };
    }

    private static int keySize(TransformerConfig c, Random r) {
        int k = c.attention().keySize();
        return c.usesRope() ? k * (2 + r.nextInt(2)) : k + 1 + r.nextInt(4);
    }

    private static GrowthStep layers(TransformerConfig c, Random r) {
        int add = 1 + r.nextInt(2);
        if (r.nextBoolean()) {
            return new LayerAddition(add, List.of());
        }
        List<Integer> positions = new ArrayList<>();
        while (positions.size() < add) {
            int p = r.nextInt(c.layers() + add);
            if (!positions.contains(p)) {
                positions.add(p);
            }
        }
        return new LayerAddition(add, positions);
    }
}
