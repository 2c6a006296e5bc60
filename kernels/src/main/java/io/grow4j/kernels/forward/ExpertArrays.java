package io.grow4j.kernels.forward;

import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;

import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * One layer's mixture of experts, converted once: the router (experts, hidden) and each expert's gate and up
 * (mlp, hidden) and down (hidden, mlp), sliced out of the stacked {@link Role#EXPERT_GATE} etc. so that every expert
 * is a plain array the backend can keep resident.
 *
 * @param <A> float[] or double[]
 */
record ExpertArrays<A>(A router, List<A> gate, List<A> up, List<A> down, Shared<A> shared) {

    /**
     * Qwen2-MoE's shared expert, run for every token: SwiGLU gate and up (shared size, hidden), down (hidden, shared
     * size), and its one-row gate (1, hidden), whose sigmoid scales the shared output.
     */
    record Shared<A>(A gate, A up, A down, A outputGate) {
    }

    /** The router, then every expert's gate, up and down, then the shared expert's tensors. */
    List<A> all() {
        List<A> out = new java.util.ArrayList<>(List.of(router));
        out.addAll(gate);
        out.addAll(up);
        out.addAll(down);
        if (shared != null) {
            out.addAll(List.of(shared.gate(), shared.up(), shared.down(), shared.outputGate()));
        }
        return out;
    }

    /** The layer's experts, or null when its MLP is dense. */
    static <A> ExpertArrays<A> of(Model model, int layer, Function<Tensor, A> convert) {
        if (!model.config().architecture().mixtureOfExperts()) {
            return null;
        }
        Function<Role, List<A>> experts = role -> {
            Tensor stacked = model.tensor(role, layer);
            return IntStream.range(0, model.config().mlp().experts())
                    .mapToObj(e -> convert.apply(stacked.slice(e))).toList();
        };
        Function<Role, A> own = role -> convert.apply(model.tensor(role, layer));
        Shared<A> shared = model.config().mlp().hasSharedExpert() ? new Shared<>(own.apply(Role.SHARED_GATE),
                own.apply(Role.SHARED_UP), own.apply(Role.SHARED_DOWN), own.apply(Role.SHARED_EXPERT_GATE)) : null;
        return new ExpertArrays<>(own.apply(Role.ROUTER), experts.apply(Role.EXPERT_GATE),
                experts.apply(Role.EXPERT_UP), experts.apply(Role.EXPERT_DOWN), shared);
    }
}
