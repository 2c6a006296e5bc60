package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Dim;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.SplitNoise;
import io.grow4j.transforms.TensorRecipe;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Checks and index maps shared by the steps. */
final class Growth {
    private Growth() {
    }

    /** A size must strictly grow: shrinking loses function, equal is a no-op that is almost surely a mistake. */
    static void mustGrow(List<String> problems, String what, int current, int requested) {
        if (requested < current) {
            problems.add(what + " " + requested + " would shrink it from " + current + " (growth only)");
        } else if (requested == current) {
            problems.add(what + " is already " + current + ": the size must grow");
        }
    }

    /**
     * Cloning (Net2Net, HyperCloning) repeats every old index the same number of times, so the readers' split 1/m is
     * one exact factor for all of them: the new size must be a multiple.
     */
    static void mustBeMultiple(List<String> problems, String what, int current, int requested) {
        if (requested % current != 0) {
            problems.add("init clone needs an integer multiple: " + what + " " + current + " -> " + requested
                    + " is not one (try " + 2 * current + " or " + 3 * current + ")");
        }
    }

    /** New index i' takes old index i' mod n: the old axis repeated size / n times. */
    static int[] tiled(int n, int size) {
        int[] map = new int[size];
        for (int i = 0; i < size; i++) {
            map[i] = i % n;
        }
        return map;
    }

    /** Plan-file form of a step's init and noise: written only when not the default. */
    static void putInit(Map<String, Object> fields, Init init, double noise) {
        if (init != Init.RANDOM) {
            fields.put("init", init.id());
        }
        if (noise != 0) {
            fields.put("noise", noise);
        }
    }

    static void putInit(Map<String, Object> fields, Init init) {
        putInit(fields, init, 0);
    }

    /** Noise is a clone's perturbation of its split readers, a fraction of each entry. */
    static void noiseProblems(List<String> problems, Init init, double noise) {
        if (noise != 0 && init != Init.CLONE) {
            problems.add("noise perturbs the copies of a clone, so it needs init: clone");
        } else if (noise < 0 || noise >= 1 || Double.isNaN(noise)) {
            problems.add("noise is relative to each entry and must be in [0, 1), got " + noise);
        }
    }

    /**
     * The recipes with every reader in {@code readers} perturbed along its input axis of kind {@code dim} (the last
     * such axis: the pooler reads and writes hidden), when {@code noise} is not zero.
     */
    static List<TensorRecipe> withNoise(List<TensorRecipe> recipes, Collection<Role> readers, Dim dim,
                                        double noise) {
        if (noise == 0) {
            return recipes;
        }
        return recipes.stream().map(r -> readers.contains(r.target().role())
                ? r.withRewrite(new SplitNoise(r.target().role().axes().lastIndexOf(dim), noise)) : r).toList();
    }

    static void mustBePositive(List<String> problems, String field, int value) {
        if (value <= 0) {
            problems.add(field + " must be a positive number, got " + value);
        }
    }

    /**
     * RoPE keeps pair i at frequency theta^(-2i/d) only if it moves to pair r·i of the new head: the ratio must be an
     * integer (DESIGN 2.3). With partial rotary (GPT-NeoX, Phi-3) d is the rotated part, int(k·fraction), and the
     * fraction stays (it is what config.json holds), so the rotated part must grow by an integer ratio,
     * int(k'·fraction) = r·int(k·fraction) (DESIGN 2.6).
     */
    static void ropeRatio(List<String> problems, TransformerConfig config, int oldSize, int newSize) {
        if (!(config.positions() instanceof Positions.Rope rope) || newSize <= oldSize) {
            return;
        }
        if (rope.partial()) {
            if (!partialRopeRatio(problems, rope, oldSize, newSize)) {
                return;
            }
        } else if (newSize % oldSize != 0) {
            problems.add("head size " + oldSize + " -> " + newSize + " on a RoPE model needs an integer ratio, so "
                    + "that every rotary frequency survives (try " + (2 * oldSize) + " or " + (4 * oldSize) + ")");
            return;
        }
        int oldRotary = rope.rotaryDims(oldSize);
        try {
            rope.scaling().grownBy(rope.rotaryDims(newSize) / oldRotary, oldRotary, config.maxSeqLen(), rope.theta());
        } catch (IllegalArgumentException e) {
            problems.add("head size " + oldSize + " -> " + newSize + ": " + e.getMessage());
        }
    }

    /**
     * The pass-through dims always fit: k' − int(k'·f) ≥ k − int(k·f) for k' ≥ k and f ≤ 1, so they move to the
     * dims right after the new rotated part. False, with the reason in {@code problems}, when the growth is refused.
     */
    private static boolean partialRopeRatio(List<String> problems, Positions.Rope rope, int oldSize, int newSize) {
        int oldRotary = rope.rotaryDims(oldSize);
        int newRotary = rope.rotaryDims(newSize);
        if (newRotary % oldRotary != 0 || newRotary % 2 != 0) {
            problems.add("head size " + oldSize + " -> " + newSize + " with partial rotary " + rope.fraction()
                    + " rotates int(" + newSize + " x " + rope.fraction() + ") = " + newRotary + " dims instead of "
                    + oldRotary + ": the rotated part must grow by an integer ratio (and stay even) so that every"
                    + " rotary frequency survives (try " + (2 * oldSize) + " or " + (4 * oldSize) + ")");
            return false;
        }
        return true;
    }

    /**
     * {@code config} with attention {@code grown} and its RoPE scaling moved to the grown key size (per-pair lists
     * spread so pair r·i keeps pair i's factor), both at once since a scaling must fit its head size;
     * {@link #ropeRatio} has accepted the growth.
     */
    static TransformerConfig withKeySize(TransformerConfig config, AttentionConfig grown) {
        int oldSize = config.attention().keySize();
        int newSize = grown.keySize();
        Positions positions = config.positions();
        if (positions instanceof Positions.Rope rope && newSize != oldSize) {
            int oldRotary = rope.rotaryDims(oldSize);
            positions = rope.withScaling(rope.scaling().grownBy(rope.rotaryDims(newSize) / oldRotary, oldRotary,
                    config.maxSeqLen(), rope.theta()));
        }
        // One constructor call: the scaling's per-pair lists fit the new head size only, not the old one.
        return new TransformerConfig(config.architecture(), config.vocabSize(), config.hidden(), config.layers(),
                config.maxSeqLen(), grown, config.mlp(), config.normEps(), positions, config.tiedEmbeddings(),
                config.typeVocabSize(), config.pooler(), config.attentionShape());
    }

    /**
     * Map for one head of queries/keys: old dims placed so RoPE frequencies survive (pair i to pair r·i of the
     * rotated part, in the model's pair layout; with partial rotary the pass-through dims right after the new rotated
     * part, in order), or kept as a prefix without RoPE. The rotated block grows as a whole head would: its
     * frequencies depend on its own size only (DESIGN 2.6, GPT-NeoX and Phi-3 partial rotary).
     */
    static int[] keyHeadMap(TransformerConfig config, int oldSize, int newSize) {
        if (!(config.positions() instanceof Positions.Rope rope)) {
            return PadSpec.prefix(oldSize, newSize);
        }
        RopeLayout layout = rope.layout();
        int oldRotary = rope.rotaryDims(oldSize);
        int newRotary = rope.rotaryDims(newSize);
        int ratio = newRotary / oldRotary;
        int[] map = new int[newSize];
        java.util.Arrays.fill(map, -1);
        for (int d = 0; d < oldRotary; d++) {
            int pair = layout.pairOf(d, oldRotary);
            int member = layout.memberOf(d, oldRotary);
            map[layout.dimOf(ratio * pair, member, newRotary)] = d;
        }
        for (int d = oldRotary; d < oldSize; d++) {
            map[newRotary + d - oldRotary] = d;
        }
        return map;
    }
}
