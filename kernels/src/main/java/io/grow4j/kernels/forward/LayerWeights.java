package io.grow4j.kernels.forward;

import io.grow4j.model.Model;
import io.grow4j.model.Role;

/**
 * One decoder layer's weights as float arrays, converted once. The same array objects go to the backend on every
 * call, so device backends can keep them resident. Optional tensors are null when absent.
 */
record LayerWeights(
        float[] attentionNorm,      // (hidden)
        float[] attentionNormBias,  // (hidden), LayerNorm only, else null
        float[] wq,                 // (queryHeads*keySize, hidden)
        float[] bq,                 // (queryHeads*keySize) or null
        float[] wk,                 // (kvHeads*keySize, hidden)
        float[] bk,                 // (kvHeads*keySize) or null
        float[] wv,                 // (kvHeads*valueSize, hidden)
        float[] bv,                 // (kvHeads*valueSize) or null
        float[] wo,                 // (hidden, queryHeads*valueSize)
        float[] bo,                 // (hidden) or null
        float[] mlpNorm,            // (hidden)
        float[] mlpNormBias,        // (hidden), LayerNorm only, else null
        float[] wGate,              // (mlp, hidden), SwiGLU only, else null
        float[] wUp,                // (mlp, hidden)
        float[] bUp,                // (mlp) or null
        float[] wDown,              // (hidden, mlp)
        float[] bDown) {            // (hidden) or null

    static LayerWeights of(Model model, int layer) {
        return new LayerWeights(
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

    private static float[] get(Model model, Role role, int layer) {
        return role.presentIn(model.config()) ? model.tensor(role, layer).toFloatArray() : null;
    }
}
