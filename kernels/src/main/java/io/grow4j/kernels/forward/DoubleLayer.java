package io.grow4j.kernels.forward;

import io.grow4j.model.Model;
import io.grow4j.model.Role;

/** One decoder layer's weights in double, for the reference pass. Optional tensors are null when absent. */
record DoubleLayer(
        double[] attentionNorm,     // (hidden)
        double[] attentionNormBias, // (hidden), LayerNorm only, else null
        double[] wq,                // (queryHeads*keySize, hidden)
        double[] bq,                // (queryHeads*keySize) or null
        double[] wk,                // (kvHeads*keySize, hidden)
        double[] bk,                // (kvHeads*keySize) or null
        double[] wv,                // (kvHeads*valueSize, hidden)
        double[] bv,                // (kvHeads*valueSize) or null
        double[] wo,                // (hidden, queryHeads*valueSize)
        double[] bo,                // (hidden) or null
        double[] mlpNorm,           // (hidden)
        double[] mlpNormBias,       // (hidden), LayerNorm only, else null
        double[] wGate,             // (mlp, hidden), SwiGLU only, else null
        double[] wUp,               // (mlp, hidden)
        double[] bUp,               // (mlp) or null
        double[] wDown,             // (hidden, mlp)
        double[] bDown) {           // (hidden) or null

    static DoubleLayer of(Model model, int layer) {
        return new DoubleLayer(
                get(model, Role.ATTENTION_NORM, layer), get(model, Role.ATTENTION_NORM_BIAS, layer),
                get(model, Role.WQ, layer), get(model, Role.BQ, layer),
                get(model, Role.WK, layer), get(model, Role.BK, layer),
                get(model, Role.WV, layer), get(model, Role.BV, layer),
                get(model, Role.WO, layer), get(model, Role.BO, layer),
                get(model, Role.MLP_NORM, layer), get(model, Role.MLP_NORM_BIAS, layer),
                get(model, Role.W_GATE, layer),
                get(model, Role.W_UP, layer), get(model, Role.B_UP, layer),
                get(model, Role.W_DOWN, layer), get(model, Role.B_DOWN, layer));
    }

    private static double[] get(Model model, Role role, int layer) {
        return role.presentIn(model.config()) ? model.tensor(role, layer).toDoubleArray() : null;
    }
}
