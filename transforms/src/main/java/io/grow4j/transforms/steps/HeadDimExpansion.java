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
 *
 * <p>Under QK-norm (Qwen3, Gemma 3, OLMo-2) the new query dims must carry (r − 1) times each head's old square norm
 * ({@link QkNormKeyGrowth}). {@code init: random}, the default, fills them with a seeded orthonormal map of the old
 * dims (DESIGN 2.6, {@link io.grow4j.transforms.OrthonormalFill}): like the paper's arbitrary entries, new dims start
 * as fresh directions rather than duplicates of old features, and two seeds give different ones. {@code init: clone}
 * keeps the tiled identity (each new pair copies an old one), which rounds nothing in any dtype and runs on an
 * OpenCL device; it applies to QK-norm families only, where new query dims are constrained at all.
 */
public record HeadDimExpansion(int size, Init init) implements GrowthStep {
    /** The paper's fill ({@link Init#RANDOM}). */
    public HeadDimExpansion(int size) {
        this(size, Init.RANDOM);
    }

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
        init.mustBeOneOf(problems, kind(), Init.RANDOM, Init.CLONE);
        if (init == Init.CLONE && !config.architecture().hasQkNorm()) {
            problems.add("init clone for head_dim copies old query dims into the new ones, which only QK-norm"
                    + " families need (their norm must see each head's mean square unchanged); "
                    + config.architecture().id() + " has no QK-norm, so its new query dims are arbitrary: drop init");
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
        List<TensorRecipe> recipes = AxisRecipes.build(before, after, maps, rules);
        return init == Init.RANDOM ? QkNormKeyGrowth.withOrthonormalFill(before, size, recipes) : recipes;
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("size", size);
        Growth.putInit(fields, init, 0);
        return fields;
    }
}
