package io.grow4j.transforms.steps;

import io.grow4j.model.Dim;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.AxisRecipes;
import io.grow4j.transforms.EntryRule;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Attention and heads expansion together, for formats where queries, keys and values share one head size (Llama,
 * GPT-2, BERT): the union of {@link HeadKeyExpansion} and {@link HeadValueExpansion}, which touch disjoint tensors.
 */
public record HeadDimExpansion(int size) implements GrowthStep {

    @Override
    public String kind() {
        return "head_dim";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        int k = config.attention().keySize();
        int v = config.attention().valueSize();
        if (k != v) {
            problems.add("head_dim sets one head size, but key size " + k + " != value size " + v
                    + ": use head_key and head_value");
            return problems;
        }
        Growth.mustGrow(problems, "head size", k, size);
        Growth.ropeRatio(problems, config, k, size);
        if (problems.isEmpty()) {
            problems.addAll(QkNormKeyGrowth.problems(config, size));
        }
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return Growth.withKeySize(config, config.attention().withKeySize(size).withValueSize(size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        Map<Dim, int[]> maps = new EnumMap<>(Dim.class);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        HeadKeyExpansion.addKeyGrowth(before, size, maps, rules);
        HeadValueExpansion.addValueGrowth(before, size, maps, rules);
        return AxisRecipes.build(before, after, maps, rules);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("size", size);
    }
}
