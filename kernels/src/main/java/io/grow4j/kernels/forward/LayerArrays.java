package io.grow4j.kernels.forward;

import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;

import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * One layer's weights: {@link Weight}s over the stored tensors for the float32 pass, {@code double[]} copies for the
 * reference. Optional
 * tensors are null when absent.
 *
 * @param <A> Weight or double[]
 */
record LayerArrays<A>(
        A attentionNorm,      // (hidden)
        A attentionNormBias,  // (hidden), LayerNorm only, else null
        A wq,                 // (queryHeads*keySize, hidden)
        A bq,                 // (queryHeads*keySize) or null
        A wk,                 // (kvHeads*keySize, hidden)
        A bk,                 // (kvHeads*keySize) or null
        A wv,                 // (kvHeads*valueSize, hidden)
        A bv,                 // (kvHeads*valueSize) or null
        A wo,                 // (hidden, queryHeads*valueSize)
        A bo,                 // (hidden) or null
        A mlpNorm,            // (hidden)
        A mlpNormBias,        // (hidden), LayerNorm only, else null
        A wGate,              // (mlp, hidden), SwiGLU only, else null
        A bGate,              // (mlp), gated MLP with biases (Llama mlp_bias) only, else null
        A wUp,                // (mlp, hidden)
        A bUp,                // (mlp) or null
        A wDown,              // (hidden, mlp)
        A bDown,              // (hidden) or null
        A qNorm,              // QK-norm gain of queries: (keySize) per head, (queryHeads*keySize) whole; else null
        A kNorm,              // QK-norm gain of keys: (keySize) per head, (kvHeads*keySize) whole; else null
        ExpertArrays<A> experts,   // router and experts of a mixture-of-experts MLP; null when dense
        A attentionPostNorm,  // (hidden), sandwich norms only (Gemma's post_attention_layernorm), else null
        A mlpPostNorm) {      // (hidden), sandwich norms only (post_feedforward_layernorm), else null

    /** The weights present, in record order, then the router and every expert's matrices. */
    List<A> present() {
        List<A> out = new java.util.ArrayList<>(java.util.stream.Stream.of(attentionNorm, attentionNormBias, wq, bq,
                wk, bk, wv, bv, wo, bo, mlpNorm, mlpNormBias, wGate, bGate, wUp, bUp, wDown, bDown, qNorm, kNorm,
                attentionPostNorm, mlpPostNorm)
                .filter(java.util.Objects::nonNull).toList());
        if (experts != null) {
            out.addAll(experts.all());
        }
        return out;
    }

    /** Every layer's tensors, wrapped for the float32 pass (read in place, or converted on first use). */
    static List<LayerArrays<Weight>> weights(Model model) {
        return all(model, Weight::new);
    }

    /** Every layer as double arrays. */
    static List<LayerArrays<double[]>> doubles(Model model) {
        return all(model, Tensor::toDoubleArray);
    }

    private static <A> List<LayerArrays<A>> all(Model model, Function<Tensor, A> convert) {
        return IntStream.range(0, model.config().layers()).mapToObj(l -> of(model, l, convert)).toList();
    }

    private static <A> LayerArrays<A> of(Model model, int layer, Function<Tensor, A> convert) {
        Function<Role, A> get = role -> role.presentIn(model.config())
                ? convert.apply(model.tensor(role, layer)) : null;
        return new LayerArrays<>(
                get.apply(Role.ATTENTION_NORM), get.apply(Role.ATTENTION_NORM_BIAS),
                get.apply(Role.WQ), get.apply(Role.BQ),
                get.apply(Role.WK), get.apply(Role.BK),
                get.apply(Role.WV), get.apply(Role.BV),
                get.apply(Role.WO), get.apply(Role.BO),
                get.apply(Role.MLP_NORM), get.apply(Role.MLP_NORM_BIAS),
                get.apply(Role.W_GATE), get.apply(Role.B_GATE),
                get.apply(Role.W_UP), get.apply(Role.B_UP),
                get.apply(Role.W_DOWN), get.apply(Role.B_DOWN),
                firstPresent(get, Role.Q_HEAD_NORM, Role.Q_NORM), firstPresent(get, Role.K_HEAD_NORM, Role.K_NORM),
                ExpertArrays.of(model, layer, convert),
                get.apply(Role.ATTENTION_POST_NORM), get.apply(Role.MLP_POST_NORM));
    }

    /** The gain of the norm on the attention branch's output: its own (sandwich) or the block's one norm. */
    A attentionOutputNorm() {
        return attentionPostNorm != null ? attentionPostNorm : attentionNorm;
    }

    /** The gain of the norm on the MLP branch's output: its own (sandwich) or the block's one norm. */
    A mlpOutputNorm() {
        return mlpPostNorm != null ? mlpPostNorm : mlpNorm;
    }

    /** The gain of whichever QK-norm the family has (the roles of the other kind are absent). */
    private static <A> A firstPresent(Function<Role, A> get, Role perHead, Role whole) {
        A gain = get.apply(perHead);
        return gain != null ? gain : get.apply(whole);
    }
}
