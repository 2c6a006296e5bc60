package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthMemory;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.GrownDTypes;
import io.grow4j.transforms.TensorRecipe;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan laid out stage by stage without any tensor data: the config after each step, each step's recipes by target,
 * and the dtype every intermediate tensor would have in the in-memory {@link io.grow4j.transforms.Grower}. Streaming
 * uses it to trace one output tensor back to the few tensors it is made from, instead of building whole intermediate
 * models.
 */
final class PlanTrace {
    private final GrowthPlan plan;
    private final List<TransformerConfig> configs = new ArrayList<>();
    /** recipes.get(i): step i's recipes, which make the tensors of stage i + 1. */
    private final List<Map<TensorKey, TensorRecipe>> recipes = new ArrayList<>();
    private final List<Map<TensorKey, Boolean>> copies = new ArrayList<>();
    private final List<Map<TensorKey, DType>> dtypes = new ArrayList<>();

    private PlanTrace(GrowthPlan plan) {
        this.plan = plan;
    }

    /**
     * @param sourceDtypes the dtype of every tensor of the source model (stage 0)
     * @throws io.grow4j.transforms.PlanException the plan does not apply to {@code start}
     */
    static PlanTrace of(GrowthPlan plan, TransformerConfig start, Map<TensorKey, DType> sourceDtypes) {
        plan.apply(start); // validates the whole plan first, every problem at once
        GrowthMemory.requireStreamed(start, plan);
        PlanTrace trace = new PlanTrace(plan);
        trace.configs.add(start);
        trace.dtypes.add(Map.copyOf(sourceDtypes));
        IndexMaps shared = new IndexMaps();
        for (GrowthStep step : plan.steps()) {
            TransformerConfig before = trace.configs.getLast();
            TransformerConfig after = step.apply(before);
            Map<TensorKey, TensorRecipe> byTarget = new HashMap<>();
            Map<TensorKey, Boolean> isCopy = new HashMap<>();
            for (TensorRecipe fresh : step.recipes(before, after)) {
                TensorRecipe r = shared.share(fresh);
                byTarget.put(r.target(), r);
                isCopy.put(r.target(), r.isCopy());
            }
            trace.recipes.add(byTarget);
            trace.copies.add(isCopy);
            trace.configs.add(after);
            trace.dtypes.add(trace.stageDtypes(trace.configs.size() - 1, after));
        }
        return trace;
    }

    /**
     * Mirrors Grower.build: a grown tensor keeps its source's dtype, else its reference's, else the model's, widened
     * as {@link GrownDTypes} says.
     */
    private Map<TensorKey, DType> stageDtypes(int stage, TransformerConfig config) {
        Map<TensorKey, DType> previous = dtypes.get(stage - 1);
        DType modelDtype = modelDtype(previous);
        Map<TensorKey, DType> out = new HashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            TensorRecipe r = recipe(stage, key);
            DType d = r.source() != null ? previous.get(r.source())
                    : r.statsFrom() != null ? previous.get(r.statsFrom()) : modelDtype;
            out.put(key, GrownDTypes.of(r, d));
        }
        return out;
    }

    /** {@link Model#dtypeOrDefault()} of a whole stage: the common dtype, or F32 when mixed or empty. */
    private static DType modelDtype(Map<TensorKey, DType> stage) {
        List<DType> distinct = stage.values().stream().distinct().toList();
        return distinct.size() == 1 ? distinct.getFirst() : DType.F32;
    }

    GrowthPlan plan() {
        return plan;
    }

    /** Number of steps; the grown model is this stage. */
    int finalStage() {
        return recipes.size();
    }

    TransformerConfig config(int stage) {
        return configs.get(stage);
    }

    /** The recipe that makes {@code key} at {@code stage} (stage 1 or later). */
    TensorRecipe recipe(int stage, TensorKey key) {
        TensorRecipe r = recipes.get(stage - 1).get(key);
        if (r == null) {
            throw new IllegalArgumentException("no tensor " + key + " after " + plan.label(stage - 1));
        }
        return r;
    }

    TensorRecipe recipe(StagedKey k) {
        return recipe(k.stage(), k.key());
    }

    DType dtype(StagedKey k) {
        DType d = dtypes.get(k.stage()).get(k.key());
        if (d == null) {
            throw new IllegalArgumentException("no tensor " + k.key() + " at stage " + k.stage());
        }
        return d;
    }

    /**
     * The earliest stage holding exactly the same data: copy recipes (the in-memory grower shares the tensor) are
     * followed back, so an unchanged tensor is read straight from the source file.
     */
    StagedKey origin(StagedKey k) {
        StagedKey at = k;
        while (at.stage() > 0 && isCopy(at)) {
            at = new StagedKey(at.stage() - 1, recipe(at).source());
        }
        return at;
    }

    private boolean isCopy(StagedKey k) {
        recipe(k); // names the tensor and step when the key does not exist
        return copies.get(k.stage() - 1).get(k.key());
    }
}
