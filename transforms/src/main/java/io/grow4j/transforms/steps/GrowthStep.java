package io.grow4j.transforms.steps;

import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.TensorRecipe;

import java.util.List;
import java.util.Map;

/**
 * One transformation, function-preserving unless {@link #exact()} says otherwise: an immutable value that maps a config to the grown config and emits the
 * recipe of every tensor of the grown model. It never touches tensor data; the Grower does.
 */
public sealed interface GrowthStep
        permits MlpExpansion, HeadAddition, HeadKeyExpansion, HeadValueExpansion, HeadDimExpansion, HiddenExpansion,
        LayerAddition, ExpertUpcycling, LayerStacking {

    /** The step's name in plan files: mlp, heads, head_key, head_value, head_dim, hidden, layers, moe, stack. */
    String kind();

    /** Whether the step keeps the function; an inexact one runs only when the plan allows it. */
    default boolean exact() {
        return true;
    }

    /** Every reason the step cannot apply to this config exactly; empty when it can. */
    List<String> problems(TransformerConfig config);

    /** The grown config. Only called when {@link #problems} is empty. */
    TransformerConfig apply(TransformerConfig config);

    /** One recipe per tensor of the grown model. */
    List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after);

    /** The step's fields as plain data, in plan-file form. */
    Map<String, Object> fields();
}
