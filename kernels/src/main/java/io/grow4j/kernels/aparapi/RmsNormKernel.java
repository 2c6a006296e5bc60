package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/** out = x / sqrt(mean(x²) + eps) · gain by one work-group: a tree reduction of x², then a scaled copy. */
final class RmsNormKernel extends Kernel {
    float[] out;
    float[] x;
    float[] gain;
    float eps;
    int n;
    int group;
    @Local
    float[] part;

    RmsNormKernel(int group) {
        this.group = group;
        this.part = new float[group];
    }

    @Override
    public void run() {
        int l = getLocalId(0);
        float s = 0f;
        for (int i = l; i < n; i += group) {
            s += x[i] * x[i];
        }
        part[l] = s;
        localBarrier();
        for (int step = group / 2; step > 0; step = step / 2) {
            if (l < step) {
                part[l] += part[l + step];
            }
            localBarrier();
        }
        float inv = 1f / sqrt(part[0] / n + eps);
        for (int i = l; i < n; i += group) {
            out[i] = x[i] * inv * gain[i];
        }
    }
}
