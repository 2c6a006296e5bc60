package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/**
 * Rotates pair i of every head by the angle whose cosine and sine the host computed in double precision.
 * halfSplit 0: pair (2i, 2i+1); 1: pair (i, i + headSize/2).
 */
final class RopeKernel extends Kernel {
    float[] v;
    float[] cosines;
    float[] sines;
    int pairs;
    int headSize;
    int halfSplit;

    @Override
    public void run() {
        int g = getGlobalId(0);
        int pairsPerHead = headSize / 2;
        if (g < pairs) {
            int i = g % pairsPerHead;
            int base = (g / pairsPerHead) * headSize;
            int d0 = base + 2 * i;
            int d1 = d0 + 1;
            if (halfSplit == 1) {
                d0 = base + i;
                d1 = base + i + pairsPerHead;
            }
            float x0 = v[d0];
            float x1 = v[d1];
            v[d0] = x0 * cosines[i] - x1 * sines[i];
            v[d1] = x0 * sines[i] + x1 * cosines[i];
        }
    }
}
