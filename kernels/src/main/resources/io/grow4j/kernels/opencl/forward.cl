// Forward-pass kernels over row-major float arrays. Work-group sizes come in as -D options from the device
// profile: TILE and WPT (matmul), MATVEC_WG, RMS_WG, ATT_WG. Reductions are trees in local memory, so the
// reducing group sizes are powers of two (checked when the profile loads).

#define RTS (TILE / WPT)

// c[i, j] = sum_t a[i*k + t] * b[j*k + t]  (a: m x k activations, b: n x k weights, c: m x n).
// A work-group computes a TILE x TILE block of c; each item keeps WPT rows of it in registers, so every value
// loaded into local memory is used TILE times. Tiles past the edges load zeros, so any m, n, k works.
__kernel __attribute__((reqd_work_group_size(TILE, RTS, 1)))
void matmul(__global const float* a, __global const float* b, __global float* c, int m, int n, int k) {
    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int col0 = get_group_id(0) * TILE;
    const int row0 = get_group_id(1) * TILE;
    __local float as[TILE][TILE + 1];  // +1: rows land in different banks
    __local float bs[TILE][TILE + 1];
    float acc[WPT];
    for (int w = 0; w < WPT; w++) {
        acc[w] = 0.0f;
    }
    for (int t0 = 0; t0 < k; t0 += TILE) {
        const int t = t0 + tx;
        for (int w = 0; w < WPT; w++) {
            const int r = ty + w * RTS;
            const int ar = row0 + r;
            const int br = col0 + r;
            as[r][tx] = (ar < m && t < k) ? a[(long) ar * k + t] : 0.0f;
            bs[tx][r] = (br < n && t < k) ? b[(long) br * k + t] : 0.0f;  // transposed: bs[t][column]
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int tt = 0; tt < TILE; tt++) {
            const float bv = bs[tt][tx];  // consecutive items read consecutive words
            for (int w = 0; w < WPT; w++) {
                acc[w] += as[ty + w * RTS][tt] * bv;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const int col = col0 + tx;
    for (int w = 0; w < WPT; w++) {
        const int row = row0 + ty + w * RTS;
        if (row < m && col < n) {
            c[(long) row * n + col] = acc[w];
        }
    }
}

// out[r] = sum_c w[r*cols + c] * x[c]: one work-group per row, strided partial sums, then a tree.
__kernel __attribute__((reqd_work_group_size(MATVEC_WG, 1, 1)))
void matvec(__global const float* w, __global const float* x, __global float* out, int rows, int cols) {
    const int row = get_group_id(0);
    const int l = get_local_id(0);
    __local float part[MATVEC_WG];
    __global const float* wr = w + (long) row * cols;
    float s = 0.0f;
    for (int c = l; c < cols; c += MATVEC_WG) {
        s += wr[c] * x[c];
    }
    part[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = MATVEC_WG / 2; step > 0; step >>= 1) {
        if (l < step) {
            part[l] += part[l + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        out[row] = part[0];
    }
}

// out = x / sqrt(mean(x^2) + eps) * gain, by a single work-group.
__kernel __attribute__((reqd_work_group_size(RMS_WG, 1, 1)))
void rmsnorm(__global float* out, __global const float* x, __global const float* gain, float eps, int n) {
    const int l = get_local_id(0);
    __local float part[RMS_WG];
    float s = 0.0f;
    for (int i = l; i < n; i += RMS_WG) {
        s += x[i] * x[i];
    }
    part[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = RMS_WG / 2; step > 0; step >>= 1) {
        if (l < step) {
            part[l] += part[l + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float inv = 1.0f / sqrt(part[0] / (float) n + eps);
    for (int i = l; i < n; i += RMS_WG) {
        out[i] = x[i] * inv * gain[i];
    }
}

// Rotates pair i of every head by the angle whose cosine and sine the host computed in double precision.
// halfSplit = 0: pair (2i, 2i+1); 1: pair (i, i + headSize/2).
__kernel void rope(__global float* v, __global const float* cosines, __global const float* sines,
                   int heads, int headSize, int halfSplit) {
    const int g = get_global_id(0);
    const int pairs = headSize / 2;
    if (g >= heads * pairs) {
        return;
    }
    const int i = g % pairs;
    __global float* head = v + (g / pairs) * headSize;
    const int d0 = halfSplit ? i : 2 * i;
    const int d1 = halfSplit ? i + pairs : 2 * i + 1;
    const float x0 = head[d0];
    const float x1 = head[d1];
    head[d0] = x0 * cosines[i] - x1 * sines[i];
    head[d1] = x0 * sines[i] + x1 * cosines[i];
}

// Causal attention of one query position; one work-group per query head. Query head h reads kv head
// h / (queryHeads / kvHeads). Scores go to global scratch (one row of position+1 per head): the softmax
// needs them twice and the sequence may be longer than local memory.
__kernel __attribute__((reqd_work_group_size(ATT_WG, 1, 1)))
void attention(__global const float* q, __global const float* keys, __global const float* values,
               __global float* out, __global float* scores, int position, int queryHeads, int kvHeads,
               int keySize, int valueSize, float scale) {
    const int h = get_group_id(0);
    const int l = get_local_id(0);
    const int kvh = h / (queryHeads / kvHeads);
    const int len = position + 1;
    __global const float* qh = q + h * keySize;
    __global float* sc = scores + (long) h * len;
    __local float red[ATT_WG];

    float mx = -INFINITY;
    for (int t = l; t < len; t += ATT_WG) {
        __global const float* kt = keys + (long) t * kvHeads * keySize + kvh * keySize;
        float s = 0.0f;
        for (int d = 0; d < keySize; d++) {
            s += qh[d] * kt[d];
        }
        s *= scale;
        sc[t] = s;
        mx = fmax(mx, s);
    }
    red[l] = mx;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = ATT_WG / 2; step > 0; step >>= 1) {
        if (l < step) {
            red[l] = fmax(red[l], red[l + step]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    mx = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);

    float sum = 0.0f;
    for (int t = l; t < len; t += ATT_WG) {
        const float e = exp(sc[t] - mx);
        sc[t] = e;
        sum += e;
    }
    red[l] = sum;
    barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
    for (int step = ATT_WG / 2; step > 0; step >>= 1) {
        if (l < step) {
            red[l] += red[l + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float inv = 1.0f / red[0];

    for (int d = l; d < valueSize; d += ATT_WG) {
        float acc = 0.0f;
        for (int t = 0; t < len; t++) {
            acc += sc[t] * values[(long) t * kvHeads * valueSize + kvh * valueSize + d];
        }
        out[h * valueSize + d] = acc * inv;
    }
}

// gate = silu(gate) * up.
__kernel void swiglu(__global float* gate, __global const float* up, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float g = gate[i];
        gate[i] = g / (1.0f + exp(-g)) * up[i];
    }
}

__kernel void relu(__global float* x, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] = fmax(x[i], 0.0f);
    }
}

// Exact GELU, x * Phi(x) = x/2 * erfc(-x / sqrt 2): erfc keeps relative accuracy where Phi is tiny.
__kernel void gelu(__global float* x, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float v = x[i];
        x[i] = 0.5f * v * erfc(-v * M_SQRT1_2_F);
    }
}

__kernel void add(__global float* y, __global const float* x, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        y[i] += x[i];
    }
}

// matmul for CPU devices (PoCL): no local memory and no barriers, whose per-item state PoCL keeps in memory.
// Both a and b are contiguous along k, so each item takes dot products 8 wide with vload8 and computes a 2 x 4
// block of c, reusing every loaded vector 2 or 4 times; the caches do what local memory does on a GPU.
__kernel void matmul_blocked(__global const float* a, __global const float* b, __global float* c,
                             int m, int n, int k) {
    const int j0 = get_global_id(0) * 4;
    const int i0 = get_global_id(1) * 2;
    if (i0 >= m || j0 >= n) {
        return;
    }
    int ai[2];
    int bj[4];
    for (int r = 0; r < 2; r++) {
        ai[r] = min(i0 + r, m - 1);  // past the edge: recompute the last row, never store it
    }
    for (int s = 0; s < 4; s++) {
        bj[s] = min(j0 + s, n - 1);
    }
    float8 acc[2][4];
    for (int r = 0; r < 2; r++) {
        for (int s = 0; s < 4; s++) {
            acc[r][s] = (float8) (0.0f);
        }
    }
    const int k8 = k / 8;
    for (int t = 0; t < k8; t++) {
        const float8 a0 = vload8(t, a + (long) ai[0] * k);
        const float8 a1 = vload8(t, a + (long) ai[1] * k);
        for (int s = 0; s < 4; s++) {
            const float8 bv = vload8(t, b + (long) bj[s] * k);
            acc[0][s] = fma(a0, bv, acc[0][s]);
            acc[1][s] = fma(a1, bv, acc[1][s]);
        }
    }
    for (int r = 0; r < 2; r++) {
        for (int s = 0; s < 4; s++) {
            const float8 v = acc[r][s];
            float sum = ((v.s0 + v.s1) + (v.s2 + v.s3)) + ((v.s4 + v.s5) + (v.s6 + v.s7));
            for (int t = k8 * 8; t < k; t++) {
                sum += a[(long) ai[r] * k + t] * b[(long) bj[s] * k + t];
            }
            if (i0 + r < m && j0 + s < n) {
                c[(long) (i0 + r) * n + j0 + s] = sum;
            }
        }
    }
}
