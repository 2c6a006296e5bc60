package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.Dim;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Paper transformation 6: insert whole pre-norm blocks at any depth (post-norm models are refused: DESIGN 2.2). A new block's attention output projection and
 * MLP second layer (and their biases; every expert's down projection in a mixture of experts, whose router is
 * then arbitrary) are zero, so it adds nothing to the residual stream: an identity. Everything
 * else is arbitrary, at the scale of the same tensor in the nearest old layer. {@code at} lists the new layers'
 * positions in the grown model; empty means "append at the end".
 *
 * <p>With {@link Init#COPY} (LLaMA-Pro, Wu et al. 2024) everything but those zero writers is copied from an old block:
 * old layer {@code from}, or (from = -1) the old block nearest below the new one in the grown model.
 */
public record LayerAddition(int add, List<Integer> at, Init init, int from) implements GrowthStep {
    private static final Set<Role> ZERO_WRITERS = Set.of(Role.WO, Role.BO, Role.W_DOWN, Role.B_DOWN,
            Role.EXPERT_DOWN, Role.SHARED_DOWN);

    public LayerAddition {
        at = List.copyOf(at);
    }

    public LayerAddition(int add, List<Integer> at) {
        this(add, at, Init.RANDOM, -1);
    }

    @Override
    public String kind() {
        return "layers";
    }

    @Override
    public List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        Growth.mustBePositive(problems, "add", add);
        if (config.postNorm()) {
            problems.add(config.architecture().id() + " normalises after each residual add, so a block whose output"
                    + " projections are zero still applies its LayerNorm to the stream (LN(x) != x): post-norm models"
                    + " have no exact identity layer to add");
        }
        if (config.normPlacement().normsOutput() && !(config.normEps() > 0)) {
            problems.add(config.architecture().id() + " norms each branch's output inside the residual; a new block's"
                    + " zero branch is normed to 0 only when epsilon > 0, and this model's rms_norm_eps is "
                    + config.normEps());
        }
        long total = (long) config.layers() + add;
        if (problems.isEmpty() && total > Dim.MAX_SIZE) {
            problems.add("add " + add + " to " + config.layers() + " layers gives " + total + ", more than the limit "
                    + Dim.MAX_SIZE);
        }
        init.mustBeOneOf(problems, kind(), Init.RANDOM, Init.COPY);
        copyProblems(problems, config.layers());
        if (!problems.isEmpty() || at.isEmpty()) {
            return problems;
        }
        if (at.size() != add) {
            problems.add("at lists " + at.size() + " positions for " + add + " new layers");
        }
        Set<Integer> seen = new TreeSet<>();
        for (int position : at) {
            if (position < 0 || position >= total) {
                problems.add("position " + position + " is outside the grown model's layers 0.." + (total - 1));
            } else if (!seen.add(position)) {
                problems.add("position " + position + " is listed twice");
            }
        }
        return problems;
    }

    private void copyProblems(List<String> problems, int layers) {
        if (from >= 0 && init != Init.COPY) {
            problems.add("from names the block to copy, so it needs init: copy");
        } else if (from >= layers || from < -1) {
            problems.add("from " + from + " is not a layer of the model (layers 0.." + (layers - 1) + ")");
        } else if (init == Init.COPY && from < 0 && problems.isEmpty()) {
            int[] origin = oldLayerOf(layers);
            if (origin.length > 0 && origin[0] < 0) {
                problems.add("init copy: the new layer at position 0 has no block below it to copy; give from: N"
                        + (layers == 0 ? " (and the model has no layers)" : ""));
            }
        }
    }

    @Override
    public TransformerConfig apply(TransformerConfig config) {
        AttentionShape shape = config.attentionShape();
        TransformerConfig grown = shape.layerTypes().isEmpty() ? config.withLayers(config.layers() + add)
                : config.withLayers(config.layers() + add, shape.withLayerTypes(layerTypes(shape.layerTypes())));
        return grown.withPositions(renumbered(config.positions(), config.layers()));
    }

    /**
     * Every grown layer's attention type, written out (layer_types): old layers keep theirs wherever they move, so
     * a block inserted mid-stack does not shift the sliding/global pattern of the layers after it (DESIGN 2.6: 0.96
     * otherwise). A new layer, an identity whatever it attends to, takes the type of the old layer before it (of the
     * first old layer when it comes first), except where the old layers follow Gemma's periodic pattern (layer i
     * global iff i + 1 is a multiple of the period) and still do at their new places: then the new layers take the
     * pattern's types too, so the grown list is the pattern again, which formats that derive the types from the
     * layer index (GGUF, llama.cpp) can hold.
     */
    List<AttentionShape.LayerAttention> layerTypes(List<AttentionShape.LayerAttention> old) {
        int[] origin = oldLayerOf(old.size());
        int period = period(old);
        if (period > 0 && keepsPattern(old, origin, period)) {
            return AttentionShape.periodic(origin.length, period);
        }
        List<AttentionShape.LayerAttention> types = new ArrayList<>();
        AttentionShape.LayerAttention previous = old.isEmpty() ? AttentionShape.LayerAttention.FULL : old.getFirst();
        for (int o : origin) {
            previous = o >= 0 ? old.get(o) : previous;
            types.add(previous);
        }
        return types;
    }

    /** The smallest period whose pattern the old types are, with at least one global layer; 0 when there is none. */
    private static int period(List<AttentionShape.LayerAttention> old) {
        for (int period = 2; period <= old.size(); period++) {
            if (old.equals(AttentionShape.periodic(old.size(), period))) {
                return period;
            }
        }
        return 0;
    }

    private static boolean keepsPattern(List<AttentionShape.LayerAttention> old, int[] origin, int period) {
        List<AttentionShape.LayerAttention> pattern = AttentionShape.periodic(origin.length, period);
        for (int layer = 0; layer < origin.length; layer++) {
            if (origin[layer] >= 0 && old.get(origin[layer]) != pattern.get(layer)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Layers without RoPE keep their blocks' new numbers; a new block rotates (its output is zero, so either choice
     * is exact, and RoPE is what the family's other layers do).
     */
    private Positions renumbered(Positions positions, int oldLayers) {
        if (!(positions instanceof Positions.Rope rope) || rope.nopeLayers().isEmpty()) {
            return positions;
        }
        int[] origin = oldLayerOf(oldLayers);
        List<Integer> nope = new ArrayList<>();
        for (int layer = 0; layer < origin.length; layer++) {
            if (origin[layer] >= 0 && !rope.rotates(origin[layer])) {
                nope.add(layer);
            }
        }
        return rope.withNopeLayers(nope);
    }

    /** For each layer of the grown model, the old layer it is, or -1 for a new one. */
    public int[] oldLayerOf(int oldLayers) {
        int total = oldLayers + add;
        Set<Integer> fresh = new TreeSet<>(at);
        for (int p = total - 1; fresh.size() < add; p--) {
            fresh.add(p);
        }
        int[] origin = new int[total];
        int next = 0;
        for (int layer = 0; layer < total; layer++) {
            origin[layer] = fresh.contains(layer) ? -1 : next++;
        }
        return origin;
    }

    @Override
    public List<TensorRecipe> recipes(TransformerConfig before, TransformerConfig after) {
        int[] origin = oldLayerOf(before.layers());
        int[] nearest = nearestOldLayers(origin);
        int[] below = init == Init.COPY ? copiedLayers(origin) : null;
        List<TensorRecipe> recipes = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(after)) {
            long[] shape = key.role().shape(after);
            if (!key.role().perLayer()) {
                recipes.add(copy(key, key, shape));
            } else if (origin[key.layer()] >= 0) {
                recipes.add(copy(key, TensorKey.of(key.role(), origin[key.layer()]), shape));
            } else if (below != null && !ZERO_WRITERS.contains(key.role())) {
                recipes.add(copy(key, TensorKey.of(key.role(), below[key.layer()]), shape));
            } else {
                recipes.add(fresh(key, nearest[key.layer()], shape));
            }
        }
        return recipes;
    }

    /** For each layer of the grown model, the old layer a new one copies: {@code from}, or the old one nearest below. */
    private int[] copiedLayers(int[] origin) {
        int[] copied = new int[origin.length];
        int last = -1;
        for (int layer = 0; layer < origin.length; layer++) {
            last = origin[layer] >= 0 ? origin[layer] : last;
            copied[layer] = from >= 0 ? from : last;
        }
        return copied;
    }

    private static TensorRecipe copy(TensorKey target, TensorKey source, long[] shape) {
        return new TensorRecipe(target, source, source, shape, shape, identityMaps(shape), 1.0, NewEntries.ZERO);
    }

    private static TensorRecipe fresh(TensorKey target, int referenceLayer, long[] shape) {
        Role role = target.role();
        NewEntries fill = ZERO_WRITERS.contains(role) ? NewEntries.ZERO
                : role.isNorm() ? NewEntries.MEAN : NewEntries.ARBITRARY;
        TensorKey stats = referenceLayer < 0 ? null : TensorKey.of(role, referenceLayer);
        int[][] maps = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) {
            maps[a] = PadSpec.prefix(0, Math.toIntExact(shape[a]));
        }
        return new TensorRecipe(target, null, stats, shape, shape, maps, 1.0, fill);
    }

    private static int[][] identityMaps(long[] shape) {
        int[][] maps = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) {
            maps[a] = PadSpec.identity(Math.toIntExact(shape[a]));
        }
        return maps;
    }

    /**
     * For each layer, the old layer closest in depth to it (the one before it, else the one after; ties go before), or
     * -1 when there is none. Two linear passes: searching outwards from each new layer was quadratic in the number of
     * layers added (minutes for a plan adding a hundred thousand).
     */
    static int[] nearestOldLayers(int[] origin) {
        int n = origin.length;
        int[] before = new int[n];
        int last = -1;
        for (int layer = 0; layer < n; layer++) {
            before[layer] = last;
            if (origin[layer] >= 0) {
                last = layer;
            }
        }
        int[] nearest = new int[n];
        int next = -1;
        for (int layer = n - 1; layer >= 0; layer--) {
            int b = before[layer];
            boolean useBefore = b >= 0 && (next < 0 || layer - b <= next - layer);
            nearest[layer] = useBefore ? origin[b] : next >= 0 ? origin[next] : -1;
            if (origin[layer] >= 0) {
                next = layer;
            }
        }
        return nearest;
    }

    @Override
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("add", add);
        if (!at.isEmpty()) {
            fields.put("at", at);
        }
        Growth.putInit(fields, init);
        if (from >= 0) {
            fields.put("from", from);
        }
        return fields;
    }
}
