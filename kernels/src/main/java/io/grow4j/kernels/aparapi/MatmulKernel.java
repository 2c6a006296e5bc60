package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;

/**
 * c[i, j] = Σ_t a[i·k + t] · b[j·k + t], in TornadoVM's kernel-context style: a 2-D range of tile × tile groups,
 * each item one element of c; a and b pass through local memory one tile of t at a time. Tiles past the edges load
 * zeros, so any m, n, k works.
 */
final class MatmulKernel extends Kernel {
    float[] a;
    float[] b;
    float[] c;
    int m;
    int n;
    int k;
    int tile;
    @Local
    float[] as;
    @Local
    float[] bs;

    MatmulKernel(int tile) {
        this.tile = tile;
        this.as = new float[tile * tile];
        this.bs = new float[tile * tile];
    }

    @Override
    public void run() {
        int tx = getLocalId(0);
        int ty = getLocalId(1);
        int col = getGroupId(0) * tile + tx;
        int row = getGroupId(1) * tile + ty;
        int bRow = getGroupId(0) * tile + ty;
        float acc = 0f;
        for (int t0 = 0; t0 < k; t0 += tile) {
            int t = t0 + tx;
            as[ty * tile + tx] = (row < m && t < k) ? a[row * k + t] : 0f;
            bs[ty * tile + tx] = (bRow < n && t < k) ? b[bRow * k + t] : 0f;
            localBarrier();
            for (int tt = 0; tt < tile; tt++) {
                acc += as[ty * tile + tt] * bs[tx * tile + tt];
            }
            localBarrier();
        }
        if (row < m && col < n) {
            c[row * n + col] = acc;
        }
    }
}
