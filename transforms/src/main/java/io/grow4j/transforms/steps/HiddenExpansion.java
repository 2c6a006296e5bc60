package io.grow4j.transforms.steps;

import io.grow4j.model.Dim;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.AxisRecipes;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Paper transformation 5: hidden size h → h'. How the new dims are kept out of the function depends on the norm
 * ({@link HiddenGrowth}): zeros and rescaled RMSNorm gains (DESIGN 2.1), mean fill for pre-LayerNorm models such as
 * GPT-2, duplication by an integer factor for post-norm models such as BERT (DESIGN 2.2). {@link Init#CLONE}
 * duplicates in every family (h' = m·h; a tied head's final norm ÷ m, DESIGN 2.6 'Shared epsilon').
 */
public record HiddenExpansion(int size, Init init, double noise) implements GrowthStep {

    public HiddenExpansion(int size) {
        this(size, Init.RANDOM);
    }

    public HiddenExpansion(int size, Init init) {
        this(size, init, 0);
    }

    @Override
    public String kind() {
        return "hidden";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        Growth.mustGrow(problems, "hidden size", config.hidden(), size);
        init.mustBeOneOf(problems, kind(), Init.RANDOM, Init.CLONE);
        Growth.noiseProblems(problems, init, noise);
        if (init == Init.CLONE && problems.isEmpty()) {
            Growth.mustBeMultiple(problems, "hidden size", config.hidden(), size);
        }
        if (problems.isEmpty()) {
            problems.addAll(HiddenGrowth.of(config, init).problems(config, size));
        }
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return config.withHidden(size, config.normEps() * HiddenGrowth.of(config, init).epsScale(config.hidden(), size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        HiddenGrowth growth = HiddenGrowth.of(before, init);
        Map<Dim, int[]> maps = Map.of(Dim.HIDDEN, growth.hiddenMap(before.hidden(), size));
        return Growth.withNoise(AxisRecipes.build(before, after, maps, growth.rules(before, size)),
                HiddenGrowth.READERS, Dim.HIDDEN, noise);
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("size", size);
        Growth.putInit(fields, init, noise);
        return fields;
    }
}
