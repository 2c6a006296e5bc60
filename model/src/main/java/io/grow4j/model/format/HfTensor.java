package io.grow4j.model.format;

import io.grow4j.model.Dim;
import io.grow4j.model.Role;
import java.util.List;

/**
 * One tensor as a Hugging Face family stores it, as data: its name template ("{i}" for the layer), the roles it holds
 * stacked along their first axis (one role, or GPT-2's fused Q, K, V), and whether it is stored transposed (GPT-2's
 * Conv1D keeps Linear weights as [in, out] where grow4j keeps [out, in]), and whether it is one expert's slice of a
 * role stacked over experts (Mixtral's experts.{e}.w1: "{e}" names the expert), and whether fused parts are
 * interleaved head by head (GPT-NeoX's query_key_value: rows [head][q, k, v][head_dim]) rather than stacked whole.
 */
record HfTensor(String template, boolean transposed, List<Role> parts, boolean perExpert, boolean perHead) {

    HfTensor {
        parts = List.copyOf(parts);
        if (parts.isEmpty() || parts.stream().map(Role::perLayer).distinct().count() != 1) {
            throw new IllegalArgumentException(template + ": parts must be one or more roles, all global or all per"
                    + " layer: " + parts);
        }
        if (perExpert && (parts.size() != 1 || transposed || parts.getFirst().axes().getFirst() != Dim.EXPERTS)) {
            throw new IllegalArgumentException(template + ": a per-expert tensor is one slice of one role stacked"
                    + " over experts: " + parts);
        }
        if (perHead && (parts.size() < 2 || transposed || perExpert)) {
            throw new IllegalArgumentException(template + ": only fused, untransposed parts interleave per head: "
                    + parts);
        }
        if (transposed && parts.stream().anyMatch(r -> r.axes().size() != 2)) {
            throw new IllegalArgumentException(template + ": only matrices are stored transposed: " + parts);
        }
    }

    /** A role stored as grow4j holds it. */
    static HfTensor of(Role role, String template) {
        return new HfTensor(template, false, List.of(role), false, false);
    }

    /** One expert's slice [e] of a role stacked over experts, stored as its own tensor ("{e}" in the template). */
    static HfTensor perExpert(Role role, String template) {
        return new HfTensor(template, false, List.of(role), true, false);
    }

    /** Conv1D weights: the roles stacked along their output axis, stored [in, out]. */
    static HfTensor conv1d(String template, Role... roles) {
        return new HfTensor(template, true, List.of(roles), false, false);
    }

    /** Several roles stacked along their first axis in one tensor (fused biases). */
    static HfTensor fused(String template, Role... roles) {
        return new HfTensor(template, false, List.of(roles), false, false);
    }

    /**
     * Several per-head roles fused head by head along their first axis: for each attention head, that head's rows of
     * every part in turn (GPT-NeoX's query_key_value, HF transformers modeling_gpt_neox.py views the projection as
     * [heads, 3 · head_dim] and splits each head's rows into q, k, v).
     */
    static HfTensor fusedPerHead(String template, Role... roles) {
        return new HfTensor(template, false, List.of(roles), false, true);
    }

    /** Stored byte for byte as one role's tensor: no slicing, no transposition. */
    boolean plain() {
        return !transposed && parts.size() == 1 && !perExpert;
    }

    boolean perLayer() {
        return parts.getFirst().perLayer();
    }

    String name(int layer) {
        return template.replace("{i}", Integer.toString(layer));
    }

    String name(int layer, int expert) {
        return name(layer).replace("{e}", Integer.toString(expert));
    }
}
