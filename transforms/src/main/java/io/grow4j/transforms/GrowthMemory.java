package io.grow4j.transforms;

import io.grow4j.model.MemoryBudget;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;

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
     * bound).
     *
     * @param elementBytes bytes per element of the model's widest dtype
     * @throws IllegalArgumentException some step needs more than {@link MemoryBudget#limit()}
     */
    public static void requireInMemory(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        TransformerConfig before = start;
        for (int i = 0; i < plan.steps().size(); i++) {
            GrowthStep step = plan.steps().get(i);
            TransformerConfig after = step.apply(before);
            long need = saturatedAdd(modelBytes(before, elementBytes), modelBytes(after, elementBytes));
            MemoryBudget.require(plan.label(i) + " " + step.fields() + ", grown in memory,", need);
            before = after;
        }
    }

    /**
     * Streamed growth holds a few tensors at a time: at least the largest grown tensor and its source.
     *
     * @throws IllegalArgumentException the largest tensor of some stage does not fit twice in {@link MemoryBudget#limit()}
     */
    public static void requireStreamed(TransformerConfig start, GrowthPlan plan, int elementBytes) {
        TransformerConfig before = start;
        for (int i = 0; i < plan.steps().size(); i++) {
            GrowthStep step = plan.steps().get(i);
            TransformerConfig after = step.apply(before);
            long need = saturatedAdd(largestTensorBytes(before, elementBytes), largestTensorBytes(after, elementBytes));
            MemoryBudget.require(plan.label(i) + " " + step.fields() + ", streamed,", need);
            before = after;
        }
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
