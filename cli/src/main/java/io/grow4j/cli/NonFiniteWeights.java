package io.grow4j.cli;

import io.grow4j.model.NonFiniteCount;
import io.grow4j.model.TensorKey;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What commands say about NaN and infinite weights: {@code grow} refuses a model holding any (growth would carry them
 * into the grown model, and a model with them decodes to nonsense), naming every tensor and its counts, unless asked
 * to carry them; {@code inspect} lists them.
 */
final class NonFiniteWeights {
    static final String ALLOW_OPTION = "--allow-non-finite";
    /** Tensors named in one message; a model broken everywhere would otherwise print thousands of names. */
    private static final int SHOWN = 12;

    private NonFiniteWeights() {
    }

    /**
     * Adds the refusal to {@code problems}, or, when {@code allow}, prints a note that they are carried. Nothing when
     * {@code found} is empty.
     */
    static void check(Path model, SortedMap<TensorKey, NonFiniteCount> found, boolean allow, List<String> problems,
            PrintWriter err) {
        if (found.isEmpty()) {
            return;
        }
        String what = summary(model, found);
        if (allow) {
            err.println("note: " + what + "; carried as they are (" + ALLOW_OPTION + "), new entries are scaled from"
                    + " the finite values only");
            err.flush();
        } else {
            problems.add(what + ": growth would carry them into the grown model, which then computes NaN; fix the"
                    + " source, or pass " + ALLOW_OPTION + " to carry them as they are");
        }
    }

    /** For commands that run a model: a warning that what it computes is meaningless (NaN logits decode to token 0). */
    static void warn(Path model, SortedMap<TensorKey, NonFiniteCount> found, PrintWriter err) {
        if (!found.isEmpty()) {
            err.println("warning: " + summary(model, found) + ": its outputs are NaN and the tokens chosen from them"
                    + " meaningless");
            err.flush();
        }
    }

    /** "MODEL: 2 tensors hold non-finite values (layers.0.wq: 1 NaN, ...)". */
    private static String summary(Path model, SortedMap<TensorKey, NonFiniteCount> found) {
        return model + ": " + found.size() + (found.size() == 1 ? " tensor holds" : " tensors hold")
                + " non-finite values (" + list(found) + ")";
    }

    /** "layers.0.wq: 1 NaN, final_norm: 2 infinite" (the first {@link #SHOWN}, then how many more). */
    static String list(SortedMap<TensorKey, NonFiniteCount> found) {
        StringBuilder s = new StringBuilder();
        int shown = 0;
        for (Map.Entry<TensorKey, NonFiniteCount> e : found.entrySet()) {
            if (shown == SHOWN) {
                return s + " and " + (found.size() - SHOWN) + " more";
            }
            s.append(shown++ == 0 ? "" : ", ").append(e.getKey()).append(": ").append(e.getValue().describe());
        }
        return s.toString();
    }
}
