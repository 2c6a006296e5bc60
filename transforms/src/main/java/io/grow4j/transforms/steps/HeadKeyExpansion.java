package io.grow4j.transforms.steps;

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
 * Paper transformation 4 (attention expansion): key/query size per head k → k'. New key dims are zero, so new query
 * dims (arbitrary) add nothing to the logits; the logit scale 1/sqrt(k) became 1/sqrt(k'), which old queries undo by
 * × sqrt(k'/k). With RoPE, old pair i moves to pair (k'/k)·i so its frequency is unchanged.
 */
public record HeadKeyExpansion(int size) implements GrowthStep {

    @Override
    public String kind() {
        return "head_key";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        if (!config.architecture().separateHeadSizes()) {
            problems.add(oneHeadSize(config, kind()));
            return problems;
        }
        Growth.mustGrow(problems, "key size", config.attention().keySize(), size);
        Growth.ropeRatio(problems, config, config.attention().keySize(), size);
        return problems;
    }

    static String oneHeadSize(TransformerConfig config, String kind) {
        return kind + " alone is not possible on " + config.architecture().id() + ": queries, keys and values share"
                + " one head size there; use head_dim to grow both";
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return Growth.withKeySize(config, config.attention().withKeySize(size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        Map<Dim, int[]> maps = new EnumMap<>(Dim.class);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        addKeyGrowth(before, size, maps, rules);
        return AxisRecipes.build(before, after, maps, rules);
    }

    static void addKeyGrowth(TransformerConfig before, int newSize, Map<Dim, int[]> maps, Map<Role, EntryRule> rules) {
        if (before.architecture().hasQkNorm()) {
            QkNormKeyGrowth.add(before, newSize, maps, rules);
            return;
        }
        AttentionConfig a = before.attention();
        int[] headMap = Growth.keyHeadMap(before, a.keySize(), newSize);
        maps.put(Dim.Q_KEY, AxisRecipes.perHead(a.queryHeads(), a.keySize(), newSize, headMap));
        maps.put(Dim.KV_KEY, AxisRecipes.perHead(a.kvHeads(), a.keySize(), newSize, headMap));
        // A logit scale of the model's own (Gemma's query_pre_attn_scalar) does not follow the head size.
        EntryRule queries = EntryRule.arbitraryScaled(before.attentionShape().fixedScale() ? 1.0
                : Math.sqrt((double) newSize / a.keySize()));
        rules.put(Role.WQ, queries);
        rules.put(Role.BQ, queries);
        rules.put(Role.WK, EntryRule.ZERO);
        rules.put(Role.BK, EntryRule.ZERO);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("size", size);
    }
}
