package io.grow4j.transforms;

import io.grow4j.model.MemoryBudget;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongBiFunction;

/**
 * What a plan will hold in memory, from the configs alone, checked before any tensor is allocated: a plan's sizes
 * (mlp 2^31 - 9, a million layers) must fail at once with what needs how much, not after minutes of work as an
 * OutOfMemoryError. All products are exact; a size past 2^63 bytes counts as "more than the limit".
 */
public final class GrowthMemory {
    private GrowthMemory() {
    }

    /**
     * In-memory growth holds one stage and the next while a step runs (copied tensors are shared, so this is an upper
     * bound). Callers check this with the plan, before anything is laid out per layer.
     *
     * @param elementBytes bytes per element of the model's widest dtype
     * @return one problem per step that needs more than {@link MemoryBudget#limit()}; the plan must be valid
     */
    public static List<String> inMemoryProblems(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        return problems(start, plan, ", grown in memory,",
                (before, after) -> saturatedAdd(modelBytes(before, elementBytes), modelBytes(after, elementBytes)));
    }

    /** Streamed growth holds a few tensors at a time: at least the largest grown tensor and its source. */
    public static List<String> streamedProblems(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        return problems(start, plan, ", streamed,", (before, after) ->
                saturatedAdd(largestTensorBytes(before, elementBytes), largestTensorBytes(after, elementBytes)));
    }

    /** @throws IllegalArgumentException {@link #inMemoryProblems} are not empty (the first is the message) */
    public static void requireInMemory(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        throwFirst(inMemoryProblems(start, plan, elementBytes));
    }

    /** @throws IllegalArgumentException {@link #streamedProblems} are not empty (the first is the message) */
    public static void requireStreamed(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        throwFirst(streamedProblems(start, plan, elementBytes));
    }

    private static void throwFirst(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.getFirst());
        }
    }

    private static List<String> problems(TransformerConfig start, GrowthPlan plan, String how,
            ToLongBiFunction<TransformerConfig, TransformerConfig> need) {
        List<String> problems = new ArrayList<>();
        TransformerConfig before = start;
        for (int i = 0; i < plan.steps().size(); i++) {
            GrowthStep step = plan.steps().get(i);
            TransformerConfig after = step.apply(before);
            String problem = MemoryBudget.problem(plan.label(i) + " " + step.fields() + how, need.applyAsLong(before,
                    after));
            if (problem != null) {
                problems.add(problem);
            }
            before = after;
        }
        return problems;
    }

    /** Bytes per element of the model's widest dtype (F32 when it has no tensors). */
    public static int widestElement(Model model) {
        return model.tensors().values().stream().mapToInt(t -> t.dtype().bytes()).max().orElse(Float.BYTES);
    }

    /** Bytes of every tensor of {@code config}; -1 when past 2^63 - 1. */
    public static long modelBytes(TransformerConfig config, int elementBytes) {
        try {
            return Math.multiplyExact(config.parameterCount(), (long) elementBytes);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** Bytes of the largest single tensor of {@code config}; -1 when past 2^63 - 1. */
    static long largestTensorBytes(TransformerConfig config, int elementBytes) {
        long largest = 0;
        try {
            for (Role role : Role.values()) {
                if (role.presentIn(config)) {
                    largest = Math.max(largest, Math.multiplyExact(Tensor.elementCount(role.shape(config)),
                            (long) elementBytes));
                }
            }
            return largest;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private static long saturatedAdd(long a, long b) {
        return a < 0 || b < 0 || a > Long.MAX_VALUE - b ? -1 : a + b;
    }
}
