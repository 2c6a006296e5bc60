package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.Dim;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.AxisRecipes;
import io.grow4j.transforms.EntryRule;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Paper transformation 1: MLP size p → p'. New first-layer rows (gate, up, their biases) are arbitrary; the second
 * layer's new columns are zero, so the new hidden units contribute nothing. In a mixture of experts every expert
 * grows alike; the router reads hidden states only, so it is untouched.
 */
public record MlpExpansion(int size) implements GrowthStep {
    private static final Map<Role, EntryRule> RULES = Map.of(
            Role.W_GATE, EntryRule.ARBITRARY,
            Role.B_GATE, EntryRule.ARBITRARY,
            Role.W_UP, EntryRule.ARBITRARY,
            Role.B_UP, EntryRule.ARBITRARY,
            Role.W_DOWN, EntryRule.ZERO,
            // every expert grows like the dense MLP; the expert axis keeps its size
            Role.EXPERT_GATE, EntryRule.ARBITRARY,
            Role.EXPERT_UP, EntryRule.ARBITRARY,
            Role.EXPERT_DOWN, EntryRule.ZERO);

    @Override
    public String kind() {
        return "mlp";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        Growth.mustGrow(problems, "MLP size", config.mlp().size(), size);
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        return config.withMlp(config.mlp().withSize(size));
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        Map<Dim, int[]> maps = Map.of(Dim.MLP, PadSpec.prefix(before.mlp().size(), size));
        return AxisRecipes.build(before, after, maps, RULES);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("size", size);
    }
}
