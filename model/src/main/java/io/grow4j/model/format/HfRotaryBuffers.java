package io.grow4j.model.format;

import io.grow4j.model.Positions;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Persisted {@code rotary_emb.inv_freq} buffers (older transformers saved one per layer, some exporters one per
 * model): no weights, but what the checkpoint's RoPE was computed with, so each is checked against the config's
 * frequencies ({@link RopeFrequencies} at position 0, what transformers holds after init). A disagreement means the
 * config does not describe the checkpoint: an error naming the buffer. Agreeing buffers are dropped on write, since
 * transformers recomputes them from the config; a read note says so.
 */
final class HfRotaryBuffers {
    static final String SUFFIX = "rotary_emb.inv_freq";
    /** transformers computes inv_freq in float32: a few ulp of float32 of its own rounding. */
    private static final double TOLERANCE = 1e-5;

    private HfRotaryBuffers() {
    }

    /** Names of the inv_freq buffers among {@code names}. */
    static List<String> present(Set<String> names) {
        return names.stream().filter(n -> n.endsWith(SUFFIX)).sorted().toList();
    }

    /** Why the buffers disagree with the config; empty when they agree. */
    static List<String> problems(TransformerConfig config, SafetensorsCheckpoint weights) {
        List<String> problems = new ArrayList<>();
        List<String> names = present(weights.tensors().keySet());
        if (names.isEmpty()) {
            return problems;
        }
        if (!(config.positions() instanceof Positions.Rope)) {
            problems.add(names.getFirst() + ": a RoPE buffer in a model without RoPE");
            return problems;
        }
        double[] expected = RopeFrequencies.of(config).inverseFrequencies(0);
        for (String name : names) {
            Tensor t = weights.mapped(name);
            double[] stored = t.toDoubleArray();
            if (stored.length != expected.length) {
                problems.add(name + " has " + stored.length + " entries, but head_dim " + config.attention().keySize()
                        + " has " + expected.length + " rotary pairs");
                continue;
            }
            for (int i = 0; i < stored.length; i++) {
                if (!(Math.abs(stored[i] - expected[i]) <= TOLERANCE * expected[i])) {
                    problems.add(name + "[" + i + "] = " + stored[i] + " disagrees with " + expected[i]
                            + " from rope_theta and the RoPE scaling in config.json (stored "
                            + Arrays.toString(Arrays.copyOf(stored, Math.min(4, stored.length))) + "...)");
                    break;
                }
            }
        }
        return problems;
    }

    /** The read note for a checkpoint that held {@code count} agreeing buffers. */
    static String note(int count) {
        return count + " rotary_emb.inv_freq buffer" + (count == 1 ? "" : "s")
                + " agree with config.json's RoPE and will not be written (transformers recomputes them)";
    }
}
