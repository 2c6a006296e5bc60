// The device-resident decoder (DeviceForwardPass): weights, activations and the key/value cache stay on the device,
// one fixed sequence of launches per token, only the logits come back. Sizes come in as -D options from
// DecodeSizes (one factory):
//   ROWS > 0  (CPU devices, PoCL): each item owns ROWS whole rows of a matrix, 16-wide loads, no barriers;
//   ROWS == 0 (GPUs): MV_WG items share a row, strided (coalesced) loads, a tree in local memory.
//   NORM_WG, ATT_WG: items of the reducing group of a norm and of one attention head (powers of two; 1 runs the
//   sequential form, which is what PoCL wants: it turns a group into loops and keeps state across barriers in memory).
// The step buffer holds [token, position, cos[0..pairs), sin[0..pairs)] (floats as their bits), written once per
// token by the host, which computes the RoPE angles in double.

#define STEP_TOKEN(s) ((s)[0])
#define STEP_POSITION(s) ((s)[1])
#define STEP_COS(s, i) as_float((s)[2 + (i)])
#define STEP_SIN(s, i, pairs) as_float((s)[2 + (pairs) + (i)])

#define MODE_STORE 0      // out = w.x + b
#define MODE_RESIDUAL 1   // out += w.x + b   (the residual stream)
#define MODE_RELU 2       // out = relu(w.x + b)
#define MODE_GELU 3       // out = gelu(w.x + b), exact: x/2 * erfc(-x / sqrt 2)
#define MODE_GELU_TANH 4  // out = GPT-2's tanh approximation of gelu

// Sum over a work-group of `size` items by a tree in local memory; every item gets the sum. Ends with a barrier, so
// `red` may be reused at once.
inline float group_sum(__local float* red, float v, int l, int size) {
    red[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = size / 2; step > 0; step >>= 1) {
        if (l < step) {
            red[l] += red[l + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float s = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
}

inline float group_max(__local float* red, float v, int l, int size) {
    red[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int step = size / 2; step > 0; step >>= 1) {
        if (l < step) {
            red[l] = fmax(red[l], red[l + step]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float s = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return s;
}

// a . b over n floats, 8 wide.
inline float dot(__global const float* a, __global const float* b, int n) {
    float8 acc = (float8) (0.0f);
    const int n8 = n / 8;
    for (int t = 0; t < n8; t++) {
        acc = fma(vload8(t, a), vload8(t, b), acc);
    }
    float s = ((acc.s0 + acc.s1) + (acc.s2 + acc.s3)) + ((acc.s4 + acc.s5) + (acc.s6 + acc.s7));
    for (int t = n8 * 8; t < n; t++) {
        s += a[t] * b[t];
    }
    return s;
}

inline float activate(float v, int mode) {
    switch (mode) {
        case MODE_RELU:
            return fmax(v, 0.0f);
        case MODE_GELU:
            return 0.5f * v * erfc(-v * M_SQRT1_2_F);
        case MODE_GELU_TANH:
            return 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        default:
            return v;
    }
}

// Writes one finished row: bias first, then the mode (the order ForwardPass adds them in).
inline void finish_row(__global float* out, int r, float s, __global const float* bias, int hasBias, int mode) {
    if (hasBias) {
        s += bias[r];
    }
    if (mode == MODE_RESIDUAL) {
        out[r] += s;
    } else {
        out[r] = activate(s, mode);
    }
}

// x = tok_emb[token] (+ pos_emb[position] for learned positions).
__kernel void embed(__global const float* tok, __global const float* pos, __global float* x,
                    __global const int* step, int hidden, int learned) {
    const int i = get_global_id(0);
    if (i >= hidden) {
        return;
    }
    float v = tok[(long) STEP_TOKEN(step) * hidden + i];
    if (learned) {
        v += pos[(long) STEP_POSITION(step) * hidden + i];
    }
    x[i] = v;
}

// out = x / sqrt(mean(x^2) + eps) * gain (layer = 0, RMSNorm), or
// out = (x - mean) / sqrt(var + eps) * gain + bias (layer = 1, LayerNorm, variance with 1/n, two passes). One group.
// add = 1: out += the norm instead (a branch's output normed inside the residual, OLMo-2).
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1)))
void norm(__global float* out, __global const float* x, __global const float* gain, __global const float* bias,
          float eps, int n, int layer, int add) {
    const int l = get_local_id(0);
    __local float red[NORM_WG];
    float mean = 0.0f;
    if (layer) {
        float s = 0.0f;
        for (int i = l; i < n; i += NORM_WG) {
            s += x[i];
        }
        mean = group_sum(red, s, l, NORM_WG) / (float) n;
    }
    float s = 0.0f;
    for (int i = l; i < n; i += NORM_WG) {
        const float d = x[i] - mean;
        s += d * d;
    }
    const float inv = 1.0f / sqrt(group_sum(red, s, l, NORM_WG) / (float) n + eps);
    for (int i = l; i < n; i += NORM_WG) {
        const float v = layer ? (x[i] - mean) * inv * gain[i] + bias[i] : x[i] * inv * gain[i];
        out[i] = add ? out[i] + v : v;
    }
}

// QK-norm, in place, before RoPE: RMSNorm of each segment of `size` entries with gain gq (queries: the first
// qSegments groups) or gk (keys: this position's cache row, the rest). Per head: a segment is a head and every head
// shares the gain; whole projection: one segment each for q and k. One group per segment.
__kernel __attribute__((reqd_work_group_size(NORM_WG, 1, 1)))
void qk_norm(__global float* q, __global float* keyCache, __global const int* step, __global const float* gq,
             __global const float* gk, int qSegments, int size, int keyRow, float eps) {
    const int g = get_group_id(0);
    const int l = get_local_id(0);
    __local float red[NORM_WG];
    const int isKey = g >= qSegments;
    const int segment = isKey ? g - qSegments : g;
    __global float* v = isKey ? keyCache + (long) keyRow * STEP_POSITION(step) + (long) segment * size
                              : q + (long) segment * size;
    __global const float* gain = isKey ? gk : gq;
    float s = 0.0f;
    for (int i = l; i < size; i += NORM_WG) {
        s += v[i] * v[i];
    }
    const float inv = 1.0f / sqrt(group_sum(red, s, l, NORM_WG) / (float) size + eps);
    for (int i = l; i < size; i += NORM_WG) {
        v[i] = v[i] * inv * gain[i];
    }
}

#if ROWS > 0
// sums[j] = w[r0 + j] . x for j < count (count <= ROWS), 16 wide: x is loaded once for all ROWS rows.
inline void rows_dot(__global const float* w, __global const float* x, int r0, int count, int cols, float* sums) {
    __global const float* wr[ROWS];
    float16 acc[ROWS];
    for (int j = 0; j < ROWS; j++) {
        wr[j] = w + (long) (r0 + min(j, count - 1)) * cols;  // past the edge: repeat the last row, never store it
        acc[j] = (float16) (0.0f);
    }
    const int c16 = cols / 16;
    for (int t = 0; t < c16; t++) {
        const float16 xv = vload16(t, x);
        for (int j = 0; j < ROWS; j++) {
            acc[j] = fma(vload16(t, wr[j]), xv, acc[j]);
        }
    }
    for (int j = 0; j < ROWS; j++) {
        const float8 h = acc[j].lo + acc[j].hi;
        float s = ((h.s0 + h.s1) + (h.s2 + h.s3)) + ((h.s4 + h.s5) + (h.s6 + h.s7));
        for (int c = c16 * 16; c < cols; c++) {
            s += wr[j][c] * x[c];
        }
        sums[j] = s;
    }
}
#endif

// Up to three matrices times the same x in one launch (q, k and v; one matrix elsewhere: rows1 = rows2 = 0).
// Output m's row r goes to om[posStride_m * position + r]: k and v land straight in their cache row. biasMask bit m:
// matrix m has a bias. ROWS > 0: global range = sum of ceil(rows_m / ROWS) items; ROWS == 0: one group per row.
__kernel void project(__global const float* w0, __global const float* w1, __global const float* w2,
                      __global const float* b0, __global const float* b1, __global const float* b2,
                      __global const float* x, __global float* o0, __global float* o1, __global float* o2,
                      int rows0, int rows1, int rows2, int cols, int biasMask, int mode,
                      __global const int* step, int posStride1, int posStride2) {
#if ROWS > 0
    int unit = get_global_id(0);
    const int units0 = (rows0 + ROWS - 1) / ROWS;
    const int units1 = (rows1 + ROWS - 1) / ROWS;
    const int units2 = (rows2 + ROWS - 1) / ROWS;
    int m = 0;
    if (unit >= units0) {
        unit -= units0;
        m = 1;
        if (unit >= units1) {
            unit -= units1;
            m = 2;
            if (unit >= units2) {
                return;
            }
        }
    }
    const int rows = m == 0 ? rows0 : m == 1 ? rows1 : rows2;
    const int r0 = unit * ROWS;
    const int count = min(ROWS, rows - r0);
#else
    // The range is exactly one group per row, so every group has a row: no early return before the barriers
    // (PoCL miscompiles a kernel whose items may leave before a barrier).
    int r0 = get_group_id(0);
    int m = 0;
    if (r0 >= rows0) {
        r0 -= rows0;
        m = 1;
        if (r0 >= rows1) {
            r0 -= rows1;
            m = 2;
        }
    }
#endif
    __global const float* w = m == 0 ? w0 : m == 1 ? w1 : w2;
    __global const float* b = m == 0 ? b0 : m == 1 ? b1 : b2;
    __global float* o = m == 0 ? o0 : m == 1 ? o1 : o2;
    const int stride = m == 0 ? 0 : m == 1 ? posStride1 : posStride2;
    o += (long) stride * STEP_POSITION(step);
    const int hasBias = (biasMask >> m) & 1;
#if ROWS > 0
    float sums[ROWS];
    rows_dot(w, x, r0, count, cols, sums);
    for (int j = 0; j < count; j++) {
        finish_row(o, r0 + j, sums[j], b, hasBias, mode);
    }
#else
    const int l = get_local_id(0);
    __local float red[MV_WG];
    __global const float* wr = w + (long) r0 * cols;
    float s = 0.0f;
    for (int c = l; c < cols; c += MV_WG) {
        s += wr[c] * x[c];
    }
    s = group_sum(red, s, l, MV_WG);
    if (l == 0) {
        finish_row(o, r0, s, b, hasBias, mode);
    }
#endif
}

// out[r] = silu(wg[r] . x) * (wu[r] . x + bu[r]): SwiGLU's gate and up projections in one pass over x.
__kernel void project_swiglu(__global const float* wg, __global const float* wu, __global const float* bu,
                             __global const float* bg, __global const float* x, __global float* out, int rows,
                             int cols, int hasBias, int hasGateBias) {
#if ROWS > 0
    const int r0 = get_global_id(0) * ROWS;
    if (r0 >= rows) {
        return;
    }
    const int count = min(ROWS, rows - r0);
    float gates[ROWS];
    float ups[ROWS];
    rows_dot(wg, x, r0, count, cols, gates);
    rows_dot(wu, x, r0, count, cols, ups);
    for (int j = 0; j < count; j++) {
        const float g = hasGateBias ? gates[j] + bg[r0 + j] : gates[j];
        const float u = hasBias ? ups[j] + bu[r0 + j] : ups[j];
        out[r0 + j] = g / (1.0f + exp(-g)) * u;
    }
#else
    const int r = get_group_id(0);  // one group per row, none past the end
    const int l = get_local_id(0);
    __local float red[MV_WG];
    __global const float* gr = wg + (long) r * cols;
    __global const float* ur = wu + (long) r * cols;
    float sg = 0.0f;
    float su = 0.0f;
    for (int c = l; c < cols; c += MV_WG) {
        sg += gr[c] * x[c];
        su += ur[c] * x[c];
    }
    float g = group_sum(red, sg, l, MV_WG);
    float u = group_sum(red, su, l, MV_WG);
    if (l == 0) {
        if (hasBias) {
            u += bu[r];
        }
        if (hasGateBias) {
            g += bg[r];
        }
        out[r] = g / (1.0f + exp(-g)) * u;
    }
#endif
}

// Rotates every query head in place and this position's key row in the cache, pair i by the angle whose cosine and
// sine the host put in the step buffer. halfSplit = 0: pair (2i, 2i+1); 1: pair (i, i + headSize/2).
__kernel void rope(__global float* q, __global float* keyCache, __global const int* step, int queryHeads,
                   int kvHeads, int headSize, int halfSplit) {
    const int g = get_global_id(0);
    const int pairs = headSize / 2;
    if (g >= (queryHeads + kvHeads) * pairs) {
        return;
    }
    const int i = g % pairs;
    const int h = g / pairs;
    __global float* head = h < queryHeads ? q + h * headSize
            : keyCache + (long) STEP_POSITION(step) * kvHeads * headSize + (h - queryHeads) * headSize;
    const int d0 = halfSplit ? i : 2 * i;
    const int d1 = halfSplit ? i + pairs : 2 * i + 1;
    const float c = STEP_COS(step, i);
    const float s = STEP_SIN(step, i, pairs);
    const float x0 = head[d0];
    const float x1 = head[d1];
    head[d0] = x0 * c - x1 * s;
    head[d1] = x0 * s + x1 * c;
}

// Causal attention of the current position over cached positions 0..position, one group of ATT_WG items per query
// head; query head h reads kv head h / (queryHeads / kvHeads). Scores go to global scratch (a row of the cache's
// capacity per head): the softmax reads them twice and the sequence may outgrow local memory.
__kernel __attribute__((reqd_work_group_size(ATT_WG, 1, 1)))
void attention(__global const float* q, __global const float* keys, __global const float* values,
               __global float* out, __global float* scores, __global const int* step, int capacity,
               int queryHeads, int kvHeads, int keySize, int valueSize, float scale) {
    const int h = get_group_id(0);
    const int l = get_local_id(0);
    const int kvh = h / (queryHeads / kvHeads);
    const int len = STEP_POSITION(step) + 1;
    const int keyRow = kvHeads * keySize;
    const int valueRow = kvHeads * valueSize;
    __global const float* qh = q + h * keySize;
    __global float* sc = scores + (long) h * capacity;
    __local float red[ATT_WG];

    float mx = -INFINITY;
    for (int t = l; t < len; t += ATT_WG) {
        const float s = dot(qh, keys + (long) t * keyRow + kvh * keySize, keySize) * scale;
        sc[t] = s;
        mx = fmax(mx, s);
    }
    mx = group_max(red, mx, l, ATT_WG);
    float sum = 0.0f;
    for (int t = l; t < len; t += ATT_WG) {
        const float e = exp(sc[t] - mx);
        sc[t] = e;
        sum += e;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);  // every item reads every score below
    const float inv = 1.0f / group_sum(red, sum, l, ATT_WG);

    // 8 value dims per item at a time; consecutive items take consecutive chunks.
    __global float* oh = out + h * valueSize;
    __global const float* vh = values + kvh * valueSize;
    for (int d0 = l * 8; d0 < valueSize; d0 += ATT_WG * 8) {
        if (d0 + 8 <= valueSize) {
            float8 acc = (float8) (0.0f);
            for (int t = 0; t < len; t++) {
                acc = fma((float8) (sc[t]), vload8(0, vh + (long) t * valueRow + d0), acc);
            }
            vstore8(acc * inv, 0, oh + d0);
        } else {
            for (int d = d0; d < valueSize; d++) {
                float acc = 0.0f;
                for (int t = 0; t < len; t++) {
                    acc += sc[t] * vh[(long) t * valueRow + d];
                }
                oh[d] = acc * inv;
            }
        }
    }
}
