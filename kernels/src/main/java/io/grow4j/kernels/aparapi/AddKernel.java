package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/** y[i] += x[i]. */
final class AddKernel extends Kernel {
    float[] y;
    float[] x;
    int n;

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (i < n) {
            y[i] += x[i];
        }
    }
}
