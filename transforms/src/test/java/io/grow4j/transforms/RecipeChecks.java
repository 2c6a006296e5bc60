package io.grow4j.transforms;

import io.grow4j.model.Model;
import io.grow4j.model.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks a grown model against the recipes that made it, entry by entry: every old entry is scale × its source,
 * every new entry whose rule is ZERO is exactly zero, and every AXIS_MEAN entry is the mean of its source along the
 * grown axis. The recipes are recomputed from the configs, independently of
 * the padding kernel under test.
 */
final class RecipeChecks {
    private RecipeChecks() {
    }

    static void check(Model before, Model after, List<TensorRecipe> recipes) {
        assertEquals(recipes.size(), after.tensors().size(), "one recipe per tensor");
        for (TensorRecipe r : recipes) {
            Tensor out = after.tensor(r.target());
            Tensor src = r.source() == null ? null : before.tensor(r.source());
            long[] shape = r.newShape();
            long n = out.size();
            int[] index = new int[shape.length];
            Tensor rounding = Tensor.allocate(out.dtype(), 1); // expected values rounded as the tensor stores them
            for (long flat = 0; flat < n; flat++) {
                unflatten(flat, shape, index);
                long srcFlat = sourceIndex(r, index);
                double v = out.get(flat);
                if (srcFlat >= 0) {
                    rounding.set(0, r.scale() * src.get(srcFlat));
                    double expected = rounding.get(0);
                    if (v != expected) {
                        fail(r.target() + " entry " + flat + ": expected scaled old value " + expected + ", got " + v);
                    }
                } else if (r.fill() == NewEntries.ZERO && v != 0.0) {
                    fail(r.target() + " entry " + flat + " must be exactly zero, got " + v);
                } else if (r.fill() == NewEntries.AXIS_MEAN) {
                    rounding.set(0, axisMean(r, src, index));
                    if (v != rounding.get(0)) {
                        fail(r.target() + " entry " + flat + " must be the mean along the grown axis, "
                                + rounding.get(0) + ", got " + v);
                    }
                }
            }
        }
    }

    /** scale × the mean of the source along the grown axis at this entry's other indices (0 where there are none). */
    private static double axisMean(TensorRecipe r, Tensor src, int[] index) {
        int axis = r.grownAxis();
        long flat = 0;
        long stride = 0;
        for (int a = 0; a < index.length; a++) {
            int old = a == axis ? 0 : r.newToOld()[a][index[a]];
            if (old < 0 || src == null) {
                return 0.0;
            }
            flat = flat * r.oldShape()[a] + old;
            stride = a == axis ? 1 : stride * r.oldShape()[a];
        }
        long n = r.oldShape()[axis];
        double sum = 0;
        for (long k = 0; k < n; k++) {
            sum += src.get(flat + k * stride);
        }
        return r.scale() * (sum / n);
    }

    private static void unflatten(long flat, long[] shape, int[] index) {
        for (int a = shape.length - 1; a >= 0; a--) {
            index[a] = (int) (flat % shape[a]);
            flat /= shape[a];
        }
    }

    private static long sourceIndex(TensorRecipe r, int[] index) {
        if (r.source() == null) {
            return -1;
        }
        long flat = 0;
        for (int a = 0; a < index.length; a++) {
            int old = r.newToOld()[a][index[a]];
            if (old < 0) {
                return -1;
            }
            flat = flat * r.oldShape()[a] + old;
        }
        return flat;
    }
}
