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
import java.util.List;
import java.util.Map;

/**
 * Paper transformation 5: hidden size h → h'. Every writer into the residual stream writes zero in the new dims, so
 * they stay zero; readers' new input columns are arbitrary since they multiply zeros. RMSNorm then sees
 * mean(x²)·h/h': gains × sqrt(h/h') and epsilon × h/h' give back exactly the old normalised values (DESIGN 2.1).
 */
public record HiddenExpansion(int size) implements GrowthStep {

    @Override
    public String kind() {
        return "hidden";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        Growth.mustGrow(problems, "hidden size", config.hidden(), size);
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        double ratio = (double) config.hidden() / size;
        return config.withHidden(size, config.normEps() * ratio);
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        double gainScale = Math.sqrt((double) before.hidden() / size);
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        for (Role writer : List.of(Role.TOKEN_EMBEDDING, Role.POSITION_EMBEDDING, Role.WO, Role.BO, Role.W_DOWN,
                Role.B_DOWN)) {
            rules.put(writer, EntryRule.ZERO);
        }
        for (Role reader : List.of(Role.WQ, Role.WK, Role.WV, Role.W_GATE, Role.W_UP, Role.OUTPUT)) {
            rules.put(reader, EntryRule.ARBITRARY);
        }
        for (Role norm : List.of(Role.ATTENTION_NORM, Role.MLP_NORM, Role.FINAL_NORM)) {
            rules.put(norm, EntryRule.meanScaled(gainScale));
        }
        Map<Dim, int[]> maps = Map.of(Dim.HIDDEN, PadSpec.prefix(before.hidden(), size));
        return AxisRecipes.build(before, after, maps, rules);
    }

    @Override
    public Map<String, Object> fields() {
        return Map.of("size", size);
    }
}
