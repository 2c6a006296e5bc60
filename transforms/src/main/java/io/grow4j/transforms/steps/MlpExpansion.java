package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
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
 * Paper transformation 1: MLP size p → p'. New first-layer rows (gate, up, their biases) are arbitrary; the second
 * layer's new columns are zero, so the new hidden units contribute nothing. In a mixture of experts every expert
 * grows alike; the router reads hidden states only, so it is untouched.
 *
 * <p>With {@link Init#CLONE} (p' = m·p, Net2Net) unit j' is unit j' mod p again: first-layer rows and biases repeat,
 * and the second layer's columns repeat divided by m, so the m identical activations sum to the old one. {@code noise}
 * perturbs those columns by a relative, seeded amount that cancels over the copies ({@link io.grow4j.transforms.SplitNoise}).
 */
public record MlpExpansion(int size, Init init, double noise) implements GrowthStep {
    private static final List<Role> FIRST_LAYER = List.of(Role.W_GATE, Role.B_GATE, Role.W_UP, Role.B_UP,
            Role.EXPERT_GATE, Role.EXPERT_UP);
    private static final List<Role> SECOND_LAYER = List.of(Role.W_DOWN, Role.EXPERT_DOWN);

    public MlpExpansion(int size) {
        this(size, Init.RANDOM);
    }

    public MlpExpansion(int size, Init init) {
        this(size, init, 0);
    }

    @Override
    public String kind() {
        return "mlp";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        int p = config.mlp().size();
        Growth.mustGrow(problems, "MLP size", p, size);
        init.mustBeOneOf(problems, kind(), Init.RANDOM, Init.CLONE);
        Growth.noiseProblems(problems, init, noise);
        if (init == Init.CLONE && problems.isEmpty()) {
            Growth.mustBeMultiple(problems, "MLP size", p, size);
        }
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return config.withMlp(config.mlp().withSize(size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        int p = before.mlp().size();
        boolean clone = init == Init.CLONE;
        Map<Dim, int[]> maps = Map.of(Dim.MLP, clone ? Growth.tiled(p, size) : PadSpec.prefix(p, size));
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        // every expert grows like the dense MLP; the expert axis keeps its size
        FIRST_LAYER.forEach(r -> rules.put(r, clone ? EntryRule.copied(1.0) : EntryRule.ARBITRARY));
        SECOND_LAYER.forEach(r -> rules.put(r, clone ? EntryRule.copied((double) p / size) : EntryRule.ZERO));
        return Growth.withNoise(AxisRecipes.build(before, after, maps, rules), SECOND_LAYER, Dim.MLP, noise);
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("size", size);
        Growth.putInit(fields, init, noise);
        return fields;
    }
}
