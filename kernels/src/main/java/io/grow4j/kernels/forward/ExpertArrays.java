package io.grow4j.kernels.forward;

import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One layer's mixture of experts, converted once: the router (experts, hidden) and each expert's gate and up
 * (mlp, hidden) and down (hidden, mlp), sliced out of the stacked {@link Role#EXPERT_GATE} etc. so that every expert
 * is a plain array the backend can keep resident.
 *
 * @param <A> float[] or double[]
 */
record ExpertArrays<A>(A router, List<A> gate, List<A> up, List<A> down) {

    /** The layer's experts, or null when its MLP is dense. */
    static <A> ExpertArrays<A> of(Model model, int layer, Function<Tensor, A> convert,
                                  Function<A, List<A>> split) {
        if (!model.config().architecture().mixtureOfExperts()) {
            return null;
        }
        return new ExpertArrays<>(convert.apply(model.tensor(Role.ROUTER, layer)),
                split.apply(convert.apply(model.tensor(Role.EXPERT_GATE, layer))),
                split.apply(convert.apply(model.tensor(Role.EXPERT_UP, layer))),
                split.apply(convert.apply(model.tensor(Role.EXPERT_DOWN, layer))));
    }

    static List<float[]> splitFloats(float[] stacked, int experts) {
        List<float[]> out = new ArrayList<>();
        int n = stacked.length / experts;
        for (int e = 0; e < experts; e++) {
            out.add(java.util.Arrays.copyOfRange(stacked, e * n, (e + 1) * n));
        }
        return out;
    }

    static List<double[]> splitDoubles(double[] stacked, int experts) {
        List<double[]> out = new ArrayList<>();
        int n = stacked.length / experts;
        for (int e = 0; e < experts; e++) {
            out.add(java.util.Arrays.copyOfRange(stacked, e * n, (e + 1) * n));
        }
        return out;
    }
}
