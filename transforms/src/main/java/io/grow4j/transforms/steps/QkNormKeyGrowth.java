package io.grow4j.transforms.steps;

import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Dim;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.AxisRecipes;
import io.grow4j.transforms.EntryRule;
import io.grow4j.transforms.OrthonormalFill;
import io.grow4j.transforms.TensorRecipe;

import java.util.List;
import java.util.Map;

/**
 * Key/query head-size growth k → k' = r·k where queries and keys are RMS-normalised before RoPE (Qwen3 per head,
 * OLMo-2 over the whole projection; DESIGN 2.6). Zero-filling new query dims would lower each head's mean square by
 * 1/r and change the norm's output (0.11 on a unit-scale model). Instead:
 * <ul>
 *   <li>old k_proj rows (and bias) × sqrt(r), new k rows zero: the keys' mean square over k' dims is unchanged, so
 *       the normalised old key dims come out × sqrt(r), which is exactly the logit scale 1/sqrt(k) → 1/sqrt(k') asks
 *       for (so queries are not rescaled);</li>
 *   <li>new q rows = c·O·(old rows of the head) with c = sqrt(r − 1) and O with orthonormal columns, so the new dims
 *       add (r − 1)·|q|² and the queries' mean square is unchanged. The maps below build the tiled identity over
 *       sqrt(r − 1) (new pair r·i + j, 0 &lt; j &lt; r, copies old pair i, member by member: {@code init: clone},
 *       bit-exact); {@link #withOrthonormalFill} then replaces the new rows by a seeded O (the default). The new
 *       query dims meet zero keys, so they add nothing to the logits, and the keys' new rows get gradients from
 *       them;</li>
 *   <li>QK-norm gains move with their dims (old pair i → pair r·i, as RoPE needs); new gain entries copy old ones
 *       (per head, queries) or are arbitrary (they multiply zero keys). Where the logit scale is the model's own
 *       number (Gemma 3's query_pre_attn_scalar) rather than 1/sqrt(k), the key gains take 1/sqrt(r) instead.</li>
 * </ul>
 * Each old dim is copied r − 1 times, so r must be an integer (RoPE asks for that anyway).
 */
final class QkNormKeyGrowth {
    private QkNormKeyGrowth() {
    }

    static List<String> problems(TransformerConfig config, int newSize) {
        int k = config.attention().keySize();
        if (!config.architecture().hasQkNorm() || newSize % k == 0) {
            return List.of();
        }
        return List.of("head size " + k + " -> " + newSize + " on " + config.architecture().id() + " needs an integer"
                + " ratio: its QK-norm keeps each head's mean square only when every old query dim is copied into the"
                + " new ones a whole number of times (try " + 2 * k + ")");
    }

    static void add(TransformerConfig before, int newSize, Map<Dim, int[]> maps, Map<Role, EntryRule> rules) {
        AttentionConfig a = before.attention();
        int[] placed = Growth.keyHeadMap(before, a.keySize(), newSize);
        int[] copies = copyMap(before, a.keySize(), newSize);
        maps.put(Dim.Q_KEY, AxisRecipes.perHead(a.queryHeads(), a.keySize(), newSize, copies));
        maps.put(Dim.KV_KEY, AxisRecipes.perHead(a.kvHeads(), a.keySize(), newSize, placed));
        maps.put(Dim.HEAD_KEY, copies);
        EntryRule keys = new EntryRule(EntryRule.ZERO.fill(), Math.sqrt((double) newSize / a.keySize()));
        rules.put(Role.WQ, EntryRule.copied(1.0));
        rules.put(Role.BQ, EntryRule.copied(1.0));
        rules.put(Role.WK, keys);
        rules.put(Role.BK, keys);
        rules.put(Role.Q_HEAD_NORM, EntryRule.copied(1.0));
        // The normed old key dims come out × sqrt(r); with a fixed logit scale (Gemma 3's query_pre_attn_scalar)
        // nothing undoes that, so the key norm's gain takes 1/sqrt(r) (on 1 + w, see EntryRule.onGain).
        rules.put(Role.K_HEAD_NORM, EntryRule.copied(before.attentionShape().fixedScale()
                ? Math.sqrt((double) a.keySize() / newSize) : 1.0));
        rules.put(Role.Q_NORM, EntryRule.copied(1.0));
        rules.put(Role.K_NORM, EntryRule.ARBITRARY);
    }

    /**
     * The recipes with W_q's and b_q's new rows replaced by c·O·(old rows), O seeded with orthonormal columns
     * ({@link OrthonormalFill}); unchanged for families without QK-norm, whose new query dims are arbitrary anyway.
     */
    static List<TensorRecipe> withOrthonormalFill(TransformerConfig before, int newSize, List<TensorRecipe> recipes) {
        if (!before.architecture().hasQkNorm()) {
            return recipes;
        }
        int k = before.attention().keySize();
        OrthonormalFill fill = new OrthonormalFill(newSize, Growth.keyHeadMap(before, k, newSize),
                Math.sqrt((double) newSize / k - 1));
        return recipes.stream().map(r -> r.target().role() == Role.WQ || r.target().role() == Role.BQ
                ? r.withRewrite(fill) : r).toList();
    }

    /** For each dim of the grown head, the old dim it copies: pair p' holds old pair p'/r, same member. */
    static int[] copyMap(TransformerConfig config, int oldSize, int newSize) {
        int ratio = newSize / oldSize;
        int[] map = new int[newSize];
        if (!(config.positions() instanceof Positions.Rope rope)) {
            for (int d = 0; d < newSize; d++) {
                map[d] = d % oldSize; // old dims keep their place (a prefix, as keys have it); each block copies them
            }
            return map;
        }
        RopeLayout layout = rope.layout();
        for (int d = 0; d < newSize; d++) {
            int pair = layout.pairOf(d, newSize);
            map[d] = layout.dimOf(pair / ratio, layout.memberOf(d, newSize), oldSize);
        }
        return map;
    }
}
