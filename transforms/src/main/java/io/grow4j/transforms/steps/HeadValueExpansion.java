package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.AttentionConfig;
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
 * Paper transformation 3 (heads expansion): value size per head v → v'. New value dims are arbitrary; the output
 * projection's columns that read them are zero.
 */
public record HeadValueExpansion(int size) implements GrowthStep {

    @Override
    public String kind() {
        return "head_value";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        if (!config.architecture().separateHeadSizes()) {
            problems.add(HeadKeyExpansion.oneHeadSize(config, kind()));
            return problems;
        }
        Growth.mustGrow(problems, "value size", config.attention().valueSize(), size);
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return config.withAttention(config.attention().withValueSize(size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        Map<Dim, int[]> maps = new EnumMap<>(Dim.class);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        addValueGrowth(before, size, maps, rules);
        return AxisRecipes.build(before, after, maps, rules);
    }

    static void addValueGrowth(TransformerConfig before, int newSize, Map<Dim, int[]> maps, Map<Role, EntryRule> rules) {
        AttentionConfig a = before.attention();
        int[] headMap = PadSpec.prefix(a.valueSize(), newSize);
        maps.put(Dim.KV_VALUE, AxisRecipes.perHead(a.kvHeads(), a.valueSize(), newSize, headMap));
        maps.put(Dim.Q_VALUE, AxisRecipes.perHead(a.queryHeads(), a.valueSize(), newSize, headMap));
        rules.put(Role.WV, EntryRule.ARBITRARY);
        rules.put(Role.BV, EntryRule.ARBITRARY);
        rules.put(Role.WO, EntryRule.ZERO);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("size", size);
    }
}
