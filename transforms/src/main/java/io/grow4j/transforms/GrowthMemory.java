package io.grow4j.transforms;

import io.grow4j.model.Dim;
import io.grow4j.model.MemoryBudget;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
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

    /**
     * Streamed growth works through tensors in bounded chunks, but first maps every axis of both configs with an int[]
     * of its length and traces every tensor of every stage (a recipe and a few map entries each, about
     * {@link #TRACE_BYTES_PER_TENSOR}): those must fit.
     */
    public static List<String> streamedProblems(TransformerConfig start, GrowthPlan plan) {
        return problems(start, plan, ", streamed, for its index maps and plan trace,",
                (before, after) -> saturatedAdd(saturatedAdd(indexMapBytes(before), indexMapBytes(after)),
                        Math.multiplyHigh(tensorCount(after), TRACE_BYTES_PER_TENSOR) != 0 ? -1
                                : tensorCount(after) * TRACE_BYTES_PER_TENSOR));
    }

    /** A recipe with its shapes, and its entries in the trace's maps: an estimate, generous for small tensors. */
    static final long TRACE_BYTES_PER_TENSOR = 512;

    private static long tensorCount(TransformerConfig config) {
        long count = 0;
        for (Role role : Role.values()) {
            if (role.presentIn(config)) {
                count += role.perLayer() ? config.layers() : 1;
            }
        }
        return count;
    }

    /** @throws IllegalArgumentException {@link #inMemoryProblems} are not empty (the first is the message) */
    public static void requireInMemory(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        throwFirst(inMemoryProblems(start, plan, elementBytes));
    }

    /** @throws IllegalArgumentException {@link #streamedProblems} are not empty (the first is the message) */
    public static void requireStreamed(TransformerConfig start, GrowthPlan plan) {
        throwFirst(streamedProblems(start, plan));
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

    /** Bytes of one int[] index map per kind of axis of {@code config}. */
    static long indexMapBytes(TransformerConfig config) {
        long total = 0;
        for (Dim dim : Dim.values()) {
            total += (long) Integer.BYTES * dim.size(config);
        }
        return total;
    }

    private static long saturatedAdd(long a, long b) {
        return a < 0 || b < 0 || a > Long.MAX_VALUE - b ? -1 : a + b;
    }
}
