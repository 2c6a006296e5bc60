package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

import java.util.List;

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

    static void mustBePositive(List<String> problems, String field, int value) {
        if (value <= 0) {
            problems.add(field + " must be a positive number, got " + value);
        }
    }

    /**
     * RoPE keeps pair i at frequency theta^(-2i/d) only if it moves to pair r·i of the new head: the ratio must be an
     * integer (DESIGN 2.3).
     */
    static void ropeRatio(List<String> problems, TransformerConfig config, int oldSize, int newSize) {
        if (config.usesRope() && newSize > oldSize && newSize % oldSize != 0) {
            problems.add("head size " + oldSize + " -> " + newSize + " on a RoPE model needs an integer ratio, so "
                    + "that every rotary frequency survives (try " + (2 * oldSize) + " or " + (4 * oldSize) + ")");
        } else if (config.positions() instanceof Positions.Rope rope && newSize > oldSize
                && rope.rotaryDims(newSize) != newSize / oldSize * rope.rotaryDims(oldSize)) {
            problems.add("head size " + oldSize + " -> " + newSize + " rotates int(" + newSize + " x "
                    + rope.fraction() + ") = " + rope.rotaryDims(newSize) + " dims, not " + newSize / oldSize + " x "
                    + rope.rotaryDims(oldSize) + ": the rotary block must grow by the head's ratio so that every"
                    + " rotary frequency survives (DESIGN 2.6, partial rotary)");
        } else if (config.positions() instanceof Positions.Rope rope && newSize > oldSize) {
            try {
                rope.scaling().grownBy(newSize / oldSize, rope.rotaryDims(oldSize), config.maxSeqLen(), rope.theta());
            } catch (IllegalArgumentException e) {
                problems.add("head size " + oldSize + " -> " + newSize + ": " + e.getMessage());
            }
        }
    }

    /**
     * {@code config} with attention {@code grown} and its RoPE scaling moved to the grown key size (per-pair lists
     * spread so pair r·i keeps pair i's factor), both at once since a scaling must fit its head size; the rotary
     * fraction stays, so the rotated block grows by the head's ratio;
     * {@link #ropeRatio} has accepted the growth.
     */
    static TransformerConfig withKeySize(TransformerConfig config, AttentionConfig grown) {
        int oldSize = config.attention().keySize();
        int newSize = grown.keySize();
        Positions positions = config.positions();
        if (positions instanceof Positions.Rope rope && newSize != oldSize) {
            int ratio = newSize / oldSize;
            positions = rope.withScaling(rope.scaling().grownBy(ratio, rope.rotaryDims(oldSize), config.maxSeqLen(),
                    rope.theta()));
        }
        return new TransformerConfig(config.architecture(), config.vocabSize(), config.hidden(), config.layers(),
                config.maxSeqLen(), grown, config.mlp(), config.normEps(), positions, config.tiedEmbeddings(),
                config.typeVocabSize(), config.pooler());
    }

    /**
     * Map for one head of queries/keys: old dims placed so RoPE frequencies survive (pair i to pair r·i, in the
     * model's pair layout), or kept as a prefix without RoPE. Under partial rotary the rotated block grows by r as a
     * whole head would (its frequencies depend on its own size), and the pass-through dims, which see no frequency,
     * follow it in order (DESIGN 2.6, GPT-NeoX/Phi partial rotary).
     */
    static int[] keyHeadMap(TransformerConfig config, int oldSize, int newSize) {
        if (!(config.positions() instanceof Positions.Rope rope)) {
            return PadSpec.prefix(oldSize, newSize);
        }
        RopeLayout layout = rope.layout();
        int ratio = newSize / oldSize;
        int oldRotated = rope.rotaryDims(oldSize);
        int newRotated = ratio * oldRotated;
        int[] map = new int[newSize];
        java.util.Arrays.fill(map, -1);
        for (int d = 0; d < oldRotated; d++) {
            int pair = layout.pairOf(d, oldRotated);
            int member = layout.memberOf(d, oldRotated);
            map[layout.dimOf(ratio * pair, member, newRotated)] = d;
        }
        for (int d = oldRotated; d < oldSize; d++) {
            map[newRotated + d - oldRotated] = d;
        }
        return map;
    }
}
