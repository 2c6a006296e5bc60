package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/** gate[i] = silu(gate[i]) · up[i]. */
final class SwigluKernel extends Kernel {
    float[] gate;
    float[] up;
    int n;

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (i < n) {
            float g = gate[i];
            gate[i] = g / (1f + exp(-g)) * up[i];
        }
    }
}
