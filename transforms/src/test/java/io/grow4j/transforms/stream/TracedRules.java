package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the recipe rules say one entry of a grown tensor must hold, composed across every step of a plan: an old
 * source entry (scaled and rounded at each step as the kernel does), an exact zero, or anything ("arbitrary").
 * Computed from the recipes alone, independently of the streaming code under test.
 */
final class TracedRules {
    sealed interface Expected {
    }

    /** Entry {@code index} of the source tensor, times each step's scale, rounded to each step's dtype. */
    record Old(StagedKey source, long index, double[] scales, DType[] dtypes) implements Expected {
    }

    record Zero() implements Expected {
    }

    record Any() implements Expected {
    }

    private static final Zero ZERO = new Zero();
    private static final Any ANY = new Any();
    /** One-entry tensors that round a double as each dtype stores it. */
    private static final Map<DType, Tensor> ROUNDING = new EnumMap<>(DType.class);

    static {
        for (DType d : DType.values()) {
            ROUNDING.put(d, Tensor.allocate(d, 1));
        }
    }

    private final PlanTrace trace;

    TracedRules(PlanTrace trace) {
        this.trace = trace;
    }

    /** The rule for entry {@code index} (one index per axis) of tensor {@code k}. */
    Expected at(StagedKey k, int[] index) {
        if (k.stage() == 0) {
            return new Old(k, flat(index, k), new double[0], new DType[0]);
        }
        TensorRecipe r = trace.recipe(k);
        int[] old = new int[index.length];
        for (int a = 0; a < index.length; a++) {
            old[a] = r.newToOld()[a][index[a]];
            if (old[a] < 0 || r.source() == null) {
                return r.fill() == NewEntries.ZERO ? ZERO : ANY;
            }
        }
        Expected before = at(new StagedKey(k.stage() - 1, r.source()), old);
        if (before instanceof Old o) {
            return new Old(o.source(), o.index(), append(o.scales(), r.scale()), append(o.dtypes(), trace.dtype(k)));
        }
        return before; // zero stays zero under any scale; arbitrary stays arbitrary
    }

    /** The value an Old rule gives, read from the source tensor and rounded to each step's dtype. */
    static double value(Old o, Tensor source) {
        double v = source.get(o.index());
        for (int i = 0; i < o.scales().length; i++) {
            Tensor rounding = ROUNDING.get(o.dtypes()[i]);
            rounding.set(0, o.scales()[i] * v);
            v = rounding.get(0);
        }
        return v;
    }

    private long flat(int[] index, StagedKey k) {
        long[] shape = k.key().role().shape(trace.config(0));
        long flat = 0;
        for (int a = 0; a < index.length; a++) {
            flat = flat * shape[a] + index[a];
        }
        return flat;
    }

    private static double[] append(double[] a, double v) {
        double[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }

    private static DType[] append(DType[] a, DType v) {
        DType[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = v;
        return out;
    }
}
