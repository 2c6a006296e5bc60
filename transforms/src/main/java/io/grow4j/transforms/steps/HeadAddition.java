package io.grow4j.transforms.steps;

import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Dim;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.AxisRecipes;
import io.grow4j.transforms.EntryRule;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paper transformation 2: add query heads. New heads' Q, K, V are arbitrary; the output projection's columns for
 * them are zero. With grouped-query attention (DESIGN 2.4) query head j reads kv group j / (E/G), so either whole
 * groups are appended (a new kv head and E/G query heads each; the default), or with {@code perGroup} every group
 * gets more query heads, which renumbers heads: old head (g, j) moves to g·r' + j and Wo's columns move with it.
 * A per-head QK-norm (Qwen3) shares one gain across heads and needs nothing more; a whole-projection one (OLMo-2)
 * needs zero new rows and rescaled old ones ({@link #wholeProjectionNorm}).
 *
 * <p>With {@link Init#CLONE} (E' = m·E, HyperCloning) every head is repeated m times: Q, K, V rows (and biases) repeat
 * and Wo's columns repeat divided by m, so the m identical head outputs sum to the old one. The kv heads repeat with
 * their query heads (whole groups), or with {@code perGroup} each group's query heads repeat inside it. A QK-norm
 * sees each head, or the whole projection tiled, with its mean square unchanged, so its gains only repeat.
 */
public record HeadAddition(int add, boolean perGroup, Init init, double noise) implements GrowthStep {

    public HeadAddition(int add, boolean perGroup) {
        this(add, perGroup, Init.RANDOM);
    }

    public HeadAddition(int add, boolean perGroup, Init init) {
        this(add, perGroup, init, 0);
    }

    @Override
    public String kind() {
        return "heads";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        Growth.mustBePositive(problems, "add", add);
        if (!problems.isEmpty()) {
            return problems;
        }
        AttentionConfig a = config.attention();
        init.mustBeOneOf(problems, kind(), Init.RANDOM, Init.CLONE);
        Growth.noiseProblems(problems, init, noise);
        if (init == Init.CLONE && add % a.queryHeads() != 0) {
            problems.add("init clone repeats every head alike: add " + add + " to " + a.queryHeads() + " query heads"
                    + " is not an integer multiple (try add " + a.queryHeads() + " or " + 2 * a.queryHeads() + ")");
        }
        int perGroupNow = a.queriesPerGroup();
        if (perGroup && add % a.kvHeads() != 0) {
            problems.add("heads: add " + add + " with per_group leaves GQA groups uneven: " + a.queryHeads()
                    + " query heads over " + a.kvHeads() + " kv heads need an addition that is a multiple of "
                    + a.kvHeads());
        } else if (!perGroup && add % perGroupNow != 0) {
            problems.add("heads: add " + add + " leaves GQA groups uneven: " + a.queryHeads() + " query heads over "
                    + a.kvHeads() + " kv heads (" + perGroupNow + " per group) need an addition that is a multiple of "
                    + perGroupNow + " (or per_group: true with a multiple of " + a.kvHeads() + ")");
        }
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        AttentionConfig a = config.attention();
        int kvHeads = perGroup ? a.kvHeads() : a.kvHeads() + add / a.queriesPerGroup();
        return config.withAttention(a.withHeads(a.queryHeads() + add, kvHeads));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        if (init == Init.CLONE) {
            return clonedRecipes(before, after);
        }
        AttentionConfig a = before.attention();
        AttentionConfig b = after.attention();
        int[] oldHeadOf = queryHeadOrigins(a, b);
        int[] oldKvOf = new int[b.kvHeads()];
        for (int g = 0; g < oldKvOf.length; g++) {
            oldKvOf[g] = g < a.kvHeads() ? g : -1;
        }
        Map<Dim, int[]> maps = headMaps(a, oldHeadOf, oldKvOf);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        for (Role role : List.of(Role.WQ, Role.BQ, Role.WK, Role.BK, Role.WV, Role.BV)) {
            rules.put(role, EntryRule.ARBITRARY);
        }
        rules.put(Role.WO, EntryRule.ZERO);
        if (before.architecture().qkNorm() == Architecture.QkNorm.WHOLE_PROJECTION) {
            wholeProjectionNorm(rules, (double) b.queryHeads() / a.queryHeads(), Role.WQ, Role.BQ, Role.Q_NORM);
            wholeProjectionNorm(rules, (double) b.kvHeads() / a.kvHeads(), Role.WK, Role.BK, Role.K_NORM);
        }
        return AxisRecipes.build(before, after, maps, rules);
    }

    /**
     * New head h' = g'·r' + j' is old head g·r + (j' mod r) of kv group g = g' mod G (whole groups repeated) or g = g'
     * (queries repeated inside their group): either way it reads a copy of the kv head its original read.
     */
    private List<TensorRecipe> clonedRecipes(TransformerConfig before, TransformerConfig after) {
        AttentionConfig a = before.attention();
        AttentionConfig b = after.attention();
        int r = a.queriesPerGroup();
        int rNew = b.queriesPerGroup();
        int[] oldHeadOf = new int[b.queryHeads()];
        for (int h = 0; h < oldHeadOf.length; h++) {
            oldHeadOf[h] = (h / rNew) % a.kvHeads() * r + (h % rNew) % r;
        }
        int[] oldKvOf = Growth.tiled(a.kvHeads(), b.kvHeads());
        Map<Dim, int[]> maps = headMaps(a, oldHeadOf, oldKvOf);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        for (Role role : List.of(Role.WQ, Role.BQ, Role.WK, Role.BK, Role.WV, Role.BV, Role.Q_NORM, Role.K_NORM)) {
            rules.put(role, EntryRule.copied(1.0));
        }
        rules.put(Role.WO, EntryRule.copied((double) a.queryHeads() / b.queryHeads()));
        return Growth.withNoise(AxisRecipes.build(before, after, maps, rules), List.of(Role.WO), Dim.Q_VALUE, noise);
    }

    /** The four head axes' maps: query heads moved by oldHeadOf, kv heads by oldKvOf, each head's dims with it. */
    private static Map<Dim, int[]> headMaps(AttentionConfig a, int[] oldHeadOf, int[] oldKvOf) {
        Map<Dim, int[]> maps = new EnumMap<>(Dim.class);
        maps.put(Dim.Q_KEY, AxisRecipes.headsMoved(oldHeadOf, a.keySize()));
        maps.put(Dim.Q_VALUE, AxisRecipes.headsMoved(oldHeadOf, a.valueSize()));
        maps.put(Dim.KV_KEY, AxisRecipes.headsMoved(oldKvOf, a.keySize()));
        maps.put(Dim.KV_VALUE, AxisRecipes.headsMoved(oldKvOf, a.valueSize()));
        return maps;
    }

    /**
     * OLMo-2 normalises all heads of a projection at once (DESIGN 2.6): arbitrary new rows would change the norm's
     * mean square (0.14). New rows zero and old rows × sqrt(s) (s = new/old head count) keep it; the normalised old
     * dims then come out × sqrt(s), which the old gains ÷ sqrt(s) undo. New gain entries multiply zeros: arbitrary.
     */
    private static void wholeProjectionNorm(Map<Role, EntryRule> rules, double s, Role weight, Role bias, Role gain) {
        EntryRule rows = new EntryRule(EntryRule.ZERO.fill(), Math.sqrt(s));
        rules.put(weight, rows);
        rules.put(bias, rows);
        rules.put(gain, EntryRule.arbitraryScaled(1.0 / Math.sqrt(s)));
    }

    /** For each new query head, the old head it is (or -1). New head h' = g·r' + j reads group g, as old g·r + j did. */
    private static int[] queryHeadOrigins(AttentionConfig a, AttentionConfig b) {
        int r = a.queriesPerGroup();
        int rNew = b.queriesPerGroup();
        int[] origin = new int[b.queryHeads()];
        for (int h = 0; h < origin.length; h++) {
            int g = h / rNew;
            int j = h % rNew;
            origin[h] = g < a.kvHeads() && j < r ? g * r + j : -1;
        }
        return origin;
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("add", add);
        if (perGroup) {
            fields.put("per_group", true);
        }
        Growth.putInit(fields, init, noise);
        return fields;
    }
}
