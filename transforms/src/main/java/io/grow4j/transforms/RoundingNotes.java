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
 * Where a plan stores values it computes in a dtype that rounds them, so commands can say so: old entries rescaled by
 * a factor that is not a power of two (RMSNorm and LayerNorm gains × sqrt(h/h'), duplicated readers × 1/m, queries
 * × sqrt(k'/k)) and new entries that must equal a mean (LayerNorm's mean fill). Zeros and copies stay exact in any
 * dtype; F64 rounds no more than the arithmetic itself. Works from dtypes alone, so a streamed checkpoint that is
 * never loaded can be described too.
 */
public final class RoundingNotes {
    private RoundingNotes() {
    }

    /** The notes for growing {@code model} by {@code plan}, one line per step, kind, factor and dtype. */
    public static List<String> of(Model model, GrowthPlan plan) {
        Map<TensorKey, DType> dtypes = new HashMap<>();
        model.tensors().forEach((key, t) -> dtypes.put(key, t.dtype()));
        return of(model.config(), dtypes, plan);
    }

    /**
     * @param dtypes the storage dtype of every tensor of a model of {@code start}; new tensors take their source's
     *               or reference's dtype, as {@link Grower} allocates them
     */
    public static List<String> of(TransformerConfig start, Map<TensorKey, DType> dtypes, GrowthPlan plan) {
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
                DType dtype = from == null ? fallback : current.getOrDefault(from, fallback);
                next.put(r.target(), dtype);
                String what = roundedKind(r, dtype);
                if (what != null) {
                    rounded.computeIfAbsent(what + " rounded to " + dtype + " (relative error up to "
                            + String.format("%.1e", unitRoundoff(dtype)) + ")", k -> new ArrayList<>()).add(r.target());
                }
            }
            String label = plan.label(i);
            rounded.forEach((what, keys) -> notes.add(label + ": " + what + ": " + describe(keys)));
            current = next;
            config = after;
        }
        return notes;
    }

    /** What of this recipe the dtype rounds, or null when it stores the recipe's values exactly. */
    private static String roundedKind(TensorRecipe r, DType dtype) {
        if (dtype == DType.F64) {
            return null;
        }
        if (r.fill() == NewEntries.AXIS_MEAN) {
            return "mean-filled new entries" + (isPowerOfTwo(r.scale()) ? "" : " (scaled by " + r.scale() + ")");
        }
        if (r.source() != null && !isPowerOfTwo(r.scale())) {
            return "old entries scaled by " + r.scale();
        }
        return null;
    }

    /** Powers of two rescale without rounding (short of overflow and subnormals). */
    private static boolean isPowerOfTwo(double scale) {
        double magnitude = Math.abs(scale);
        return magnitude != 0 && magnitude == Math.scalb(1.0, Math.getExponent(magnitude));
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
