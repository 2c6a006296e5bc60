package io.grow4j.transforms;

import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HeadKeyExpansion;
import io.grow4j.transforms.steps.HeadValueExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.LayerStacking;
import io.grow4j.transforms.steps.MlpExpansion;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The plan-file vocabulary as a table: each step's name, its required and optional fields, and how to build it. */
public record StepType(String name, Set<String> required, Set<String> optional,
                       Function<StepFields, GrowthStep> factory) {

    public static final List<StepType> ALL = List.of(
            new StepType("mlp", Set.of("size"), Set.of("init", "noise"),
                    f -> new MlpExpansion(f.integer("size"), f.init(), f.number("noise", 0))),
            new StepType("heads", Set.of("add"), Set.of("per_group", "init", "noise"),
                    f -> new HeadAddition(f.integer("add"), f.bool("per_group", false), f.init(), f.number("noise", 0))),
            new StepType("head_dim", Set.of("size"), Set.of("init"),
                    f -> new HeadDimExpansion(f.integer("size"), f.init())),
            new StepType("head_key", Set.of("size"), Set.of(), f -> new HeadKeyExpansion(f.integer("size"))),
            new StepType("head_value", Set.of("size"), Set.of(), f -> new HeadValueExpansion(f.integer("size"))),
            new StepType("hidden", Set.of("size"), Set.of("init", "noise"),
                    f -> new HiddenExpansion(f.integer("size"), f.init(), f.number("noise", 0))),
            new StepType("layers", Set.of("add"), Set.of("at", "init", "from"),
                    f -> new LayerAddition(f.integer("add"), f.integers("at"), f.init(), f.optionalIndex("from"))),
            new StepType("moe", Set.of("experts", "top_k"), Set.of("norm_topk_prob"),
                    f -> new ExpertUpcycling(f.integer("experts"), f.integer("top_k"),
                            f.bool("norm_topk_prob", true))),
            new StepType("stack", Set.of("layers"), Set.of("at"), StepType::stacking));

    /** {@code layers: [start, end]}; {@code at} defaults to end, right after the range copied. */
    private static GrowthStep stacking(StepFields f) {
        List<Integer> range = f.integers("layers");
        if (range.size() != 2) {
            f.problem("layers must be [start, end], two integers, got " + range.size());
            return null;
        }
        int at = f.optionalIndex("at");
        return new LayerStacking(range.get(0), range.get(1), at < 0 ? range.get(1) : at);
    }

    private static final Map<String, StepType> BY_NAME =
            ALL.stream().collect(Collectors.toMap(StepType::name, t -> t));

    public static StepType named(String name) {
        return BY_NAME.get(name);
    }

    public static String names() {
        return ALL.stream().map(StepType::name).collect(Collectors.joining(", "));
    }

    public boolean allows(String field) {
        return required.contains(field) || optional.contains(field);
    }
}
