// The padding recipe (PadSpec) as a device kernel, bit-identical to CpuPadKernel: every value goes through
// double, as Tensor.get/set do, and the seeded fill repeats SeededRandom/Fill.valueAt's arithmetic exactly.
// Options: -D SRC_<dtype> -D DST_<dtype> (F32, F64, F16, BF16), and -D NO_FP64 on devices without doubles
// (then values go through float and the uniform fill is no longer bit-identical; see OpenClPadKernel).
//
// Contraction would fuse a*b+c into one rounding where Java rounds twice.
#pragma OPENCL FP_CONTRACT OFF

#ifdef NO_FP64
typedef float acc_t;
#define UNIT_SCALE 0x1.0p-53f
#else
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#define UNIT_SCALE 0x1.0p-53
#endif

#if defined(SRC_F32)
typedef float src_t;
#define LOAD(p, i) ((acc_t) (p)[i])
#elif defined(SRC_F64)
typedef double src_t;
#define LOAD(p, i) ((acc_t) (p)[i])
#elif defined(SRC_F16)
typedef half src_t;
#define LOAD(p, i) ((acc_t) vload_half((i), (p)))
#elif defined(SRC_BF16)
typedef ushort src_t;
#define LOAD(p, i) ((acc_t) as_float(((uint) (p)[i]) << 16))
#endif

// Round to nearest even, NaN kept quiet: the same as DType.toBf16.
inline ushort to_bf16(float f) {
    const uint bits = as_uint(f);
    if (isnan(f)) {
        return (ushort) ((bits >> 16) | 0x40);
    }
    const uint rounding = 0x7fff + ((bits >> 16) & 1);
    return (ushort) ((bits + rounding) >> 16);
}

#if defined(DST_F32)
typedef float dst_t;
#define STORE(p, i, v) ((p)[i] = (float) (v))
#elif defined(DST_F64)
typedef double dst_t;
#define STORE(p, i, v) ((p)[i] = (double) (v))
#elif defined(DST_F16)
typedef half dst_t;
#define STORE(p, i, v) vstore_half_rte((float) (v), (i), (p))
#elif defined(DST_BF16)
typedef ushort dst_t;
#define STORE(p, i, v) ((p)[i] = to_bf16((float) (v)))
#endif

// SplitMix64's finaliser, as SeededRandom.mix (>> on ulong is Java's >>>).
inline ulong mix(ulong z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// Fill.valueAt: 0 zero, 1 constant (param), 2 uniform on [-param, param] from (seed, flat index); 3 (axis mean)
// is axis_mean below.
inline acc_t fill_value(int kind, ulong seed, acc_t param, ulong flat) {
    if (kind == 0) {
        return (acc_t) 0;
    }
    if (kind == 1) {
        return param;
    }
    const ulong z = mix(seed + (flat + 1) * 0x9E3779B97F4A7C15UL);
    const acc_t unit = (acc_t) (z >> 11) * UNIT_SCALE;
    return param * ((acc_t) 2 * unit - (acc_t) 1);
}

// Fill.AxisMean: scale × (Σ_k src[base + k·step]) / n, k ascending, over the finite entries only (n counts them; none:
// 0), as AxisMeans sums on the CPU, so a carried NaN does not spread into new entries. meanRows[row] is
// the old row the mean starts at (-1: none in this row). Along the last axis (meanLast) a row's new columns average
// its old row; along a leading axis a new row's old columns average the old rows along that axis.
inline acc_t axis_mean(__global const src_t* src, long mr, int oc, long oldCols, long step, long n, int meanLast,
                       acc_t scale) {
    if (mr < 0 || (meanLast ? oc >= 0 : oc < 0)) {
        return (acc_t) 0;
    }
    const long base = meanLast ? mr * oldCols : mr * oldCols + oc;
    acc_t sum = (acc_t) 0;
    long finite = 0;
    for (long k = 0; k < n; k++) {
        const acc_t v = LOAD(src, base + k * step);
        if (isfinite(v)) {
            sum += v;
            finite++;
        }
    }
    return scale * (finite == 0 ? (acc_t) 0 : sum / (acc_t) finite);
}

// Item (x, row) writes columns [x*strip, x*strip + strip) of new row `row`: strip 1 on GPUs (neighbouring items,
// neighbouring addresses), long strips on CPU devices, where per-item and per-group overheads dominate otherwise.
// srcRows[row] is the old row that feeds new row `row` (-1: a leading axis index is new), colMap[c] the old column
// of new column c (-1: new).
__kernel void pad(__global const src_t* src, __global dst_t* dst, __global const long* srcRows,
                  __global const int* colMap, long cols, long oldCols, acc_t scale, int fillKind, ulong seed,
                  acc_t fillParam, long strip, __global const long* meanRows, long meanStep, long meanCount,
                  int meanLast) {
    const long c0 = get_global_id(0) * strip;
    const long row = get_global_id(1);
    const long end = min(c0 + strip, cols);
    const long sr = srcRows[row];
    for (long c = c0; c < end; c++) {
        const long flat = row * cols + c;
        const int oc = colMap[c];
        acc_t v;
        if (sr >= 0 && oc >= 0) {
            v = scale * LOAD(src, sr * oldCols + oc);
        } else if (fillKind == 3) {
            v = axis_mean(src, meanRows[row], oc, oldCols, meanStep, meanCount, meanLast, scale);
        } else {
            v = fill_value(fillKind, seed, fillParam, (ulong) flat);
        }
        STORE(dst, flat, v);
    }
}
