package io.grow4j.model.format;

import io.grow4j.model.Role;
import java.util.List;

/**
 * One tensor as a Hugging Face family stores it, as data: its name template ("{i}" for the layer), the roles it holds
 * stacked along their first axis (one role, or GPT-2's fused Q, K, V), and whether it is stored transposed (GPT-2's
 * Conv1D keeps Linear weights as [in, out] where grow4j keeps [out, in]).
 */
record HfTensor(String template, boolean transposed, List<Role> parts) {

    HfTensor {
        parts = List.copyOf(parts);
        if (parts.isEmpty() || parts.stream().map(Role::perLayer).distinct().count() != 1) {
            throw new IllegalArgumentException(template + ": parts must be one or more roles, all global or all per"
                    + " layer: " + parts);
        }
        if (transposed && parts.stream().anyMatch(r -> r.axes().size() != 2)) {
            throw new IllegalArgumentException(template + ": only matrices are stored transposed: " + parts);
        }
    }

    /** A role stored as grow4j holds it. */
    static HfTensor of(Role role, String template) {
        return new HfTensor(template, false, List.of(role));
    }

    /** Conv1D weights: the roles stacked along their output axis, stored [in, out]. */
    static HfTensor conv1d(String template, Role... roles) {
        return new HfTensor(template, true, List.of(roles));
    }

    /** Several roles stacked along their first axis in one tensor (fused biases). */
    static HfTensor fused(String template, Role... roles) {
        return new HfTensor(template, false, List.of(roles));
    }

    /** Stored byte for byte as one role's tensor: no slicing, no transposition. */
    boolean plain() {
        return !transposed && parts.size() == 1;
    }

    boolean perLayer() {
        return parts.getFirst().perLayer();
    }

    String name(int layer) {
        return template.replace("{i}", Integer.toString(layer));
    }
}
