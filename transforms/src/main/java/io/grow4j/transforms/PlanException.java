package io.grow4j.transforms;

import java.util.List;

/** A plan that cannot be carried out, with every problem found, so the user fixes them all in one go. */
public final class PlanException extends IllegalArgumentException {
    private final List<String> problems;

    public PlanException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }

    public static void throwIfAny(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new PlanException(problems);
        }
    }
}
