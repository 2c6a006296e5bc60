package io.grow4j.transforms;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.Dim;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Recipes for steps that widen axes but keep the set of tensors: each kind of axis ({@link Dim}) has one index map,
 * and each role that owns a widened axis has one {@link EntryRule}. A tensor is then grown axis by axis from the
 * table, so a step is data: which axes, which rules.
 */
public final class AxisRecipes {
    private AxisRecipes() {
    }

    /**
     * @param axisMaps for every axis kind the step widens, new index → old index (-1 for new)
     * @param rules    for every role touched: how to scale old entries and fill new ones (a role may be listed
     *                 with a scale even if none of its axes grows)
     */
    public static List<TensorRecipe> build(TransformerConfig before, TransformerConfig after,
                                           Map<Dim, int[]> axisMaps, Map<Role, EntryRule> rules) {
        List<TensorRecipe> recipes = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(after)) {
            Role role = key.role();
            long[] oldShape = role.shape(before);
            long[] newShape = role.shape(after);
            int[][] maps = new int[newShape.length][];
            boolean widened = false;
            for (int a = 0; a < maps.length; a++) {
                Dim dim = role.axes().get(a);
                int[] map = axisMaps.get(dim);
                widened |= map != null;
                maps[a] = map != null ? map : PadSpec.identity(Math.toIntExact(oldShape[a]));
            }
            EntryRule rule = rules.get(role);
            if (widened && rule == null) {
                throw new IllegalStateException("no entry rule for " + role + " whose axes grow");
            }
            EntryRule effective = rule == null ? new EntryRule(NewEntries.ZERO, 1.0) : rule;
            if (key.role().isNorm()) {
                effective = effective.onGain(before.normKind().offset());
            }
            recipes.add(new TensorRecipe(key, key, key, oldShape, newShape, maps, effective.scale(), effective.fill(),
                    effective.shift()));
        }
        return recipes;
    }

    /** Per-head map for {@code heads} heads whose size grows from oldSize to newSize, old dims placed by headMap. */
    public static int[] perHead(int heads, int oldSize, int newSize, int[] headMap) {
        int[] map = new int[heads * newSize];
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < newSize; d++) {
                int old = headMap[d];
                map[h * newSize + d] = old < 0 ? -1 : h * oldSize + old;
            }
        }
        return map;
    }

    /**
     * Head renumbering: new head h' takes old head oldHead[h'] (or is new when -1); each head's size dims follow.
     */
    public static int[] headsMoved(int[] oldHeadOf, int headSize) {
        int[] map = new int[oldHeadOf.length * headSize];
        for (int h = 0; h < oldHeadOf.length; h++) {
            for (int d = 0; d < headSize; d++) {
                map[h * headSize + d] = oldHeadOf[h] < 0 ? -1 : oldHeadOf[h] * headSize + d;
            }
        }
        return map;
    }
}
