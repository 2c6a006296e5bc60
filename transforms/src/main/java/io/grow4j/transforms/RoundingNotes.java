package io.grow4j.transforms;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a plan computes values that a half-precision dtype would round, and what becomes of them, so commands can say
 * so: old entries rescaled by a factor that is not a power of two and new entries that must equal a mean (see
 * {@link GrownDTypes}). By default such tensors are stored in F32 ("kept in F32"); F32 itself rounds them by 6e-8
 * ("rounded to F32"); a uniform output dtype asked for explicitly rounds them to it ("rounded to BF16"). Zeros and
 * copies stay exact in any dtype; F64 rounds no more than the arithmetic itself. Works from dtypes alone, so a
 * streamed checkpoint that is never loaded can be described too.
 */
public final class RoundingNotes {
    private RoundingNotes() {
    }

    /** The notes for growing {@code model} by {@code plan}, one line per step, kind, factor and dtype. */
    public static List<String> of(Model model, GrowthPlan plan) {
        return of(model, plan, null);
    }

    /**
     * @param output the dtype every tensor is converted to after growing (an explicit uniform output dtype), or null
     *               to store each as {@link GrownDTypes} says
     */
    public static List<String> of(Model model, GrowthPlan plan, DType output) {
        Map<TensorKey, DType> dtypes = new HashMap<>();
        model.tensors().forEach((key, t) -> dtypes.put(key, t.dtype()));
        return of(model.config(), dtypes, plan, output);
    }

    /**
     * @param dtypes the storage dtype of every tensor of a model of {@code start}; new tensors take theirs as
     *               {@link Grower} allocates them
     */
    public static List<String> of(TransformerConfig start, Map<TensorKey, DType> dtypes, GrowthPlan plan) {
        return of(start, dtypes, plan, null);
    }

    private static List<String> of(TransformerConfig start, Map<TensorKey, DType> dtypes, GrowthPlan plan,
            DType output) {
        PlanException.throwIfAny(plan.problems(start));
        List<String> notes = new ArrayList<>();
        TransformerConfig config = start;
        Map<TensorKey, DType> current = new HashMap<>(dtypes);
        DType fallback = commonOrF32(dtypes);
        for (int i = 0; i < plan.steps().size(); i++) {
            GrowthStep step = plan.steps().get(i);
            TransformerConfig after = step.apply(config);
            Map<String, List<TensorKey>> rounded = new TreeMap<>();
            Map<TensorKey, DType> next = new HashMap<>();
            for (TensorRecipe r : step.recipes(config, after)) {
                TensorKey from = r.source() != null ? r.source() : r.statsFrom();
                DType base = from == null ? fallback : current.getOrDefault(from, fallback);
                DType stored = GrownDTypes.of(r, base);
                next.put(r.target(), stored);
                String note = note(r, base, output != null ? output : stored);
                if (note != null) {
                    rounded.computeIfAbsent(note, k -> new ArrayList<>()).add(r.target());
                }
            }
            String label = plan.label(i);
            rounded.forEach((what, keys) -> notes.add(label + ": " + what + ": " + describe(keys)));
            current = next;
            config = after;
        }
        return notes;
    }

    /** What becomes of the values of {@code r} computed from {@code base} and written as {@code written}. */
    private static String note(TensorRecipe r, DType base, DType written) {
        String kind = GrownDTypes.roundedKind(r, written);
        if (kind == null) {
            return null;
        }
        if (written != base && written == GrownDTypes.of(r, base)) {
            return kind + " kept in F32 (" + base + " would round them by up to "
                    + String.format("%.1e", unitRoundoff(base)) + ", beyond what verify accepts)";
        }
        return kind + " rounded to " + written + " (relative error up to "
                + String.format("%.1e", unitRoundoff(written)) + ")";
    }

    /** Half the distance between neighbouring values relative to the value: 2^-(mantissa bits + 1). */
    private static double unitRoundoff(DType dtype) {
        return switch (dtype) {
            case F64 -> 0x1p-53;
            case F32 -> 0x1p-24;
            case F16 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }

    private static String describe(List<TensorKey> keys) {
        int shown = Math.min(3, keys.size());
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(keys.get(i));
        }
        return keys.size() > shown ? s + " and " + (keys.size() - shown) + " more" : s.toString();
    }

    private static DType commonOrF32(Map<TensorKey, DType> dtypes) {
        return dtypes.values().stream().distinct().count() == 1 ? dtypes.values().iterator().next() : DType.F32;
    }
}
