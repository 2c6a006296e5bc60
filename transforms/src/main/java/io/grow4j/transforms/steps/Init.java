package io.grow4j.transforms.steps;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a step fills what it adds (a plan step's {@code init:}). Every choice keeps the function; they differ in where
 * training starts from.
 */
public enum Init {
    /** The paper (Gesmundo &amp; Maile 2023): arbitrary entries seeded at the tensor's scale, the required ones zero. */
    RANDOM,
    /**
     * Net2Net (Chen et al. 2016) / HyperCloning (Samragh et al. 2024), for {@code mlp}, {@code heads} and
     * {@code hidden} by an integer multiple m: every unit, head or dim is repeated m times and the weights that read
     * the copies are divided by m, so the copies add up to the original.
     */
    CLONE,
    /** LLaMA-Pro (Wu et al. 2024), for {@code layers}: a new block copies an old one with its output projections zero. */
    COPY;

    /** The name in plan files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The choice named {@code id} in a plan file, or null. */
    public static Init named(String id) {
        return Arrays.stream(values()).filter(i -> i.id().equals(id)).findFirst().orElse(null);
    }

    /** Adds a problem when {@code this} is not among the choices a step offers. */
    void mustBeOneOf(List<String> problems, String step, Init... allowed) {
        if (!List.of(allowed).contains(this)) {
            problems.add("init " + id() + " does not apply to " + step + " (choices: "
                    + String.join(", ", Arrays.stream(allowed).map(Init::id).toList()) + ")");
        }
    }
}
