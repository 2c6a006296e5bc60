package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/** x[i] = max(x[i], 0). */
final class ReluKernel extends Kernel {
    float[] x;
    int n;

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (i < n) {
            x[i] = max(x[i], 0f);
        }
    }
}
