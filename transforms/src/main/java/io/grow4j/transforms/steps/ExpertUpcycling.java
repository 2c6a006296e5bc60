package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sparse upcycling (Komatsuzaki et al. 2022), exact: every dense SwiGLU MLP becomes {@code experts} identical copies
 * of itself behind a router whose rows are arbitrary (seeded, at the scale of the layer's gate projection). Whatever
 * the router picks, the top-k experts compute the same MLP output, and their softmax weights renormalised over the k
 * chosen sum to one, so the block's output is the dense one. The family becomes its mixture-of-experts row (llama and
 * mistral become mixtral, qwen2 qwen2_moe, {@link Architecture#withExperts()}); qwen2_moe's shared expert starts
 * with a zero down projection, and its routing is set to renormalise (norm_topk_prob true).
 *
 * <p>With {@code normTopK} false (qwen2_moe only, for llama.cpp, whose qwen2moe graph never renormalises) the chosen
 * weights are plain softmax probabilities, which sum to one only when k = E. The router is then zero, so every
 * expert gets probability 1/E whatever the input, and each copy's down projection is × E/k: k chosen copies weighted
 * 1/E sum to the dense output. The router starts uniform (training breaks the tie); no arbitrary router is exact
 * there, since the top-k probabilities' sum then depends on the input.
 *
 * @param normTopK whether the MoE family renormalises the top-k weights (Mixtral always does)
 */
public record ExpertUpcycling(int experts, int topK, boolean normTopK) implements GrowthStep {
    /** Renormalised routing (Mixtral's, and qwen2_moe's norm_topk_prob true) behind an arbitrary router. */
    public ExpertUpcycling(int experts, int topK) {
        this(experts, topK, true);
    }

    /** The dense roles each expert copies, and the stacked role it becomes. */
    private static final Map<Role, Role> EXPERT_OF = Map.of(
            Role.EXPERT_GATE, Role.W_GATE, Role.EXPERT_UP, Role.W_UP, Role.EXPERT_DOWN, Role.W_DOWN);
    /**
     * A shared expert (qwen2_moe) starts with arbitrary readers and a zero down projection, so it adds nothing:
     * each reader takes the scale of the dense tensor named here.
     */
    private static final Map<Role, Role> SHARED_STATS = Map.of(
            Role.SHARED_GATE, Role.W_GATE, Role.SHARED_UP, Role.W_UP, Role.SHARED_EXPERT_GATE, Role.W_GATE);

    @Override
    public String kind() {
        return "moe";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        if (experts < 1) {
            problems.add("experts must be at least 1, got " + experts);
        }
        if (topK < 1) {
            problems.add("top_k must be at least 1, got " + topK);
        }
        if (experts >= 1 && topK > experts) {
            problems.add("top_k " + topK + " exceeds experts " + experts + ": a token cannot use more experts than"
                    + " there are");
        }
        Architecture family = config.architecture();
        if (family.mixtureOfExperts()) {
            problems.add(family.id() + " is already a mixture of " + config.mlp().experts() + " experts; adding"
                    + " experts to it is not exact in general (a new expert takes routing weight or changes the"
                    + " top-k), so only dense models are upcycled");
        } else if (family.withExperts().isEmpty()) {
            problems.add(family.id() + " has no mixture-of-experts family to upcycle into (llama and mistral"
                    + " become mixtral, qwen2 qwen2_moe)");
        }
        if (!normTopK && family.withExperts().filter(Architecture::sharedExpert).isEmpty()) {
            problems.add("norm_topk_prob false: " + family.withExperts().map(Architecture::id).orElse(family.id())
                    + " always renormalises the chosen experts' weights (only qwen2_moe has the flag)");
        }
        if (config.mlp().activation() != Activation.SWIGLU || config.mlp().bias()) {
            problems.add("experts are SwiGLU MLPs without biases; this model's MLP is " + config.mlp().activation()
                    + (config.mlp().bias() ? " with biases" : ""));
        }
        return problems;
    }

    /**
     * The MoE family; one with a shared expert (qwen2_moe) gets one as wide as the dense MLP, and renormalised
     * routing whatever its family's default (qwen2_moe's norm_topk_prob defaults to false, under which the chosen
     * copies' weights sum to less than one and the output would shrink).
     */
    @Override
    public TransformerConfig apply(TransformerConfig config) {
        Architecture target = config.architecture().withExperts().orElseThrow();
        MlpConfig routed = config.mlp().withExperts(experts, topK);
        return config.withArchitecture(target, target.sharedExpert()
                ? routed.withSharedExpert(config.mlp().size(), normTopK) : routed);
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        List<TensorRecipe> recipes = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(after)) {
            long[] shape = key.role().shape(after);
            Role dense = EXPERT_OF.get(key.role());
            Role statsOf = SHARED_STATS.get(key.role());
            if (key.role() == Role.ROUTER) {
                recipes.add(fresh(key, TensorKey.of(Role.W_GATE, key.layer()), shape,
                        normTopK ? NewEntries.ARBITRARY : NewEntries.ZERO));
            } else if (key.role() == Role.SHARED_DOWN) {
                recipes.add(fresh(key, null, shape, NewEntries.ZERO));
            } else if (statsOf != null) {
                recipes.add(fresh(key, TensorKey.of(statsOf, key.layer()), shape, NewEntries.ARBITRARY));
            } else if (dense != null) {
                // unrenormalised: k copies weighted 1/E each, so each copy writes E/k times the dense output
                double scale = normTopK || key.role() != Role.EXPERT_DOWN ? 1.0 : (double) experts / topK;
                recipes.add(copies(key, TensorKey.of(dense, key.layer()), shape, scale));
            } else {
                recipes.add(new TensorRecipe(key, key, key, shape, shape, maps(shape, 0), 1.0, NewEntries.ZERO));
            }
        }
        return recipes;
    }

    /**
     * A tensor with no source: the router and the shared expert's readers arbitrary at the scale of the dense tensor
     * that reads the same normed input, the shared expert's down projection zero.
     */
    private static TensorRecipe fresh(TensorKey key, TensorKey stats, long[] shape, NewEntries fill) {
        return new TensorRecipe(key, null, stats, shape, shape, maps(shape, -1), 1.0, fill);
    }

    /** The dense tensor, read as one expert [1, ...], repeated on the expert axis. */
    private TensorRecipe copies(TensorKey key, TensorKey dense, long[] shape, double scale) {
        long[] oldShape = shape.clone();
        oldShape[0] = 1;
        int[][] maps = maps(shape, 0);
        maps[0] = new int[experts];
        return new TensorRecipe(key, dense, dense, oldShape, shape, maps, scale, NewEntries.ZERO);
    }

    /** Identity maps (kept = 0) or all-new maps (kept = -1) for every axis. */
    private static int[][] maps(long[] shape, int kept) {
        int[][] maps = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) {
            int n = Math.toIntExact(shape[a]);
            maps[a] = kept == 0 ? PadSpec.identity(n) : PadSpec.prefix(0, n);
        }
        return maps;
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("experts", experts);
        fields.put("top_k", topK);
        if (!normTopK) {
            fields.put("norm_topk_prob", false);
        }
        return fields;
    }
}
