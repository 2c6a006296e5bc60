package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Depth up-scaling by stacking (SOLAR, Kim et al. 2023; G_stack, Du et al. 2024): old blocks {@code start} to
 * {@code end - 1} (end exclusive, as mergekit's layer_range) are copied whole, output projections included, and the
 * copies inserted at position {@code at} of the grown model. A copied block adds its output to the stream a second
 * time, so the grown model computes another function: the step is {@link #exact() inexact}, refused unless the plan
 * allows it, and a grow that runs it measures the change instead of claiming preservation.
 */
public record LayerStacking(int start, int end, int at) implements GrowthStep {

    @Override
    public String kind() {
        return "stack";
    }

    @Override
    public boolean exact() {
        return false;
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        int layers = config.layers();
        if (start < 0 || end > layers || start >= end) {
            problems.add("layers [" + start + ", " + end + "] is no range of the model's layers: start must be"
                    + " below end, within 0.." + layers + " (end exclusive)");
        }
        if (at < 0 || at > layers) {
            problems.add("at " + at + " is outside 0.." + layers + " (where the copies start in the grown model)");
        }
        return problems;
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        AttentionShape shape = config.attentionShape();
        int grown = config.layers() + end - start;
        if (shape.layerTypes().isEmpty()) {
            return config.withLayers(grown);
        }
        // A copied block keeps what it attends to (Gemma's sliding or full), as it keeps its weights: without the
        // list written out, a model whose layers differ has no type for the copies.
        List<AttentionShape.LayerAttention> types = Arrays.stream(oldLayerOf(config.layers()))
                .mapToObj(shape.layerTypes()::get).toList();
        return config.withLayers(grown, shape.withLayerTypes(types));
    }

    /** For each layer of the grown model, the old layer it copies. */
    int[] oldLayerOf(int oldLayers) {
        int copies = end - start;
        int[] origin = new int[oldLayers + copies];
        for (int layer = 0; layer < origin.length; layer++) {
            origin[layer] = layer < at ? layer : layer < at + copies ? start + layer - at : layer - copies;
        }
        return origin;
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        int[] origin = oldLayerOf(before.layers());
        List<TensorRecipe> recipes = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(after)) {
            long[] shape = key.role().shape(after);
            TensorKey source = key.role().perLayer() ? TensorKey.of(key.role(), origin[key.layer()]) : key;
            int[][] maps = new int[shape.length][];
            for (int a = 0; a < shape.length; a++) {
                maps[a] = PadSpec.identity(Math.toIntExact(shape[a]));
            }
            recipes.add(new TensorRecipe(key, source, source, shape, shape, maps, 1.0, NewEntries.ZERO));
        }
        return recipes;
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("layers", List.of(start, end));
        fields.put("at", at);
        return fields;
    }
}
