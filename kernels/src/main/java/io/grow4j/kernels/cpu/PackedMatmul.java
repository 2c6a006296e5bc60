package io.grow4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * c = a · bᵀ for a [m, k] and b [n, k], blocked for the cache in the manner of BLIS/GotoBLAS.
 *
 * <p>A dot-product formulation would need a horizontal reduction for every c entry; instead b is packed, one block
 * of NC columns and KC depth at a time, into panels laid out [t][NR] so that a micro-kernel keeps an MR × NR tile
 * of c in registers (MR × VECS vectors) and updates it with outer products: per step t, VECS vector loads of the
 * panel, MR broadcasts from a, MR·VECS FMAs. Each c row segment maps straight onto vectors, so c is stored without
 * shuffles.
 *
 * <pre>
 *   for kk in depth blocks of KC:            pack b[j0..j1, kk..kk+KC] into panels   (block ~ L2, panel ~ L1)
 *     for ii in row blocks of MC:            a[ii..ii+MC, kk..] stays in L2
 *       for each panel of NR columns:
 *         for i in steps of MR:              micro-kernel: c[i..i+MR, panel] (+)= a-rows · panel
 * </pre>
 */
final class PackedMatmul {
    private static final VectorSpecies<Float> SPECIES = VectorDots.SPECIES;
    private static final int LANES = VectorDots.LANES;
    /** Rows per micro-tile. */
    static final int MR = 6;
    /**
     * Vectors per micro-tile row. 512-bit vectors come with 32 registers (AVX-512, SVE): 6 × 4 accumulators + 4
     * panel vectors + 1 broadcast fit, and more FMAs per broadcast run faster. Otherwise assume 16 registers (AVX2):
     * 6 × 2 accumulators.
     */
    static final int VECS = LANES >= 16 ? 4 : 2;
    /** Columns per micro-tile. */
    static final int NR = VECS * LANES;
    /** Depth per packed block: one panel is KC × NR floats, 32 KB, so it stays in L1 while rows of a sweep it. */
    static final int KC = Math.max(64, 8192 / NR);
    /** Columns per packed block (and per parallel task): NC × KC floats, 256 KB, stay in L2. */
    static final int NC = 8 * NR;
    /** Rows of a swept per panel before moving to the next panel. */
    static final int MC = 40 * MR;

    private PackedMatmul() {
    }

    /**
     * How the operands of c = op(a)·op(b) are stored, op(a) [m, k] and op(b) [k, n], named by BLAS's transpose flags.
     * Every layout runs the same micro-kernels: b is packed into the same panels whatever its layout, and a stored
     * transposed is first copied, one MC × KC block at a time, into rows.
     */
    enum Layout {
        /** a [m, k], b [n, k]: x·Wᵀ, a layer's forward. */
        NT,
        /** a [m, k], b [k, n]: dy·W, a layer's input gradient. */
        NN,
        /** a [k, m], b [k, n]: dyᵀ·x, a layer's weight gradient over the rows of a batch. */
        TN
    }

    /**
     * Row stride of a transposed a block once copied into rows: KC plus one vector, so that the copy's writes, one
     * per row for each step t, fall in different cache sets (a power-of-two stride sends them all to one set).
     */
    static final int A_STRIDE = KC + LANES;

    /** Per-task scratch: the packed block of b and one micro-tile for the ragged last panel. */
    static final class Workspace {
        private final float[] packed = new float[NC * KC];
        /** A transposed a block copied into rows (layout TN only, so made on first use). */
        private float[] rowsOfA;
        private final float[] tile = new float[MR * NR];
        private final int[] rowOffsets = new int[LANES];
        private int rowOffsetsFor = -1;

        /** {0, k, 2k, ...}: gather indices for LANES consecutive rows of b. */
        private int[] rowOffsets(int k) {
            if (rowOffsetsFor != k) {
                for (int i = 0; i < LANES; i++) {
                    rowOffsets[i] = i * k;
                }
                rowOffsetsFor = k;
            }
            return rowOffsets;
        }
    }

    /** Computes c[i0..i1, j0..j1) with j1 - j0 ≤ NC, writing (not adding to) c. Needs k ≥ 1. */
    static void block(float[] a, float[] b, float[] c, int n, int k, int i0, int i1, int j0, int j1, Workspace ws) {
        block(Layout.NT, a, b, c, i1, n, k, i0, i1, j0, j1, false, ws);
    }

    /**
     * Computes c[i0..i1, j0..j1) of op(a)·op(b) with j1 - j0 ≤ NC, adding to c when {@code addToC}, else writing it.
     * m (a's columns when a is transposed) is read only for layout TN. Needs k ≥ 1.
     */
    static void block(Layout layout, float[] a, float[] b, float[] c, int m, int n, int k, int i0, int i1, int j0,
                      int j1, boolean addToC, Workspace ws) {
        float[] packed = ws.packed;
        for (int kk = 0; kk < k; kk += KC) {
            int kc = Math.min(KC, k - kk);
            boolean accumulate = addToC || kk > 0;
            if (layout == Layout.NT) {
                pack(b, k, j0, j1, kk, kc, ws);
            } else {
                packRows(b, n, j0, j1, kk, kc, packed);
            }
            for (int ii = i0; ii < i1; ii += MC) {
                int iEnd = Math.min(ii + MC, i1);
                // Row i of op(a) from depth kk starts at rows[i · stride + origin].
                float[] rows = a;
                int stride = k;
                int origin = kk;
                if (layout == Layout.TN) {
                    rows = rowsOfTransposed(a, m, ii, iEnd, kk, kc, ws);
                    stride = A_STRIDE;
                    origin = -ii * A_STRIDE;
                }
                for (int j = j0, panel = 0; j < j1; j += NR, panel += kc * NR) {
                    int cols = Math.min(NR, j1 - j);
                    int i = ii;
                    for (; i + MR <= iEnd; i += MR) {
                        int at = i * stride + origin;
                        if (cols == NR) {
                            micro6(rows, at, stride, packed, panel, kc, c, i * n + j, n, accumulate);
                        } else {
                            micro6(rows, at, stride, packed, panel, kc, ws.tile, 0, NR, false);
                            merge(ws.tile, MR, c, i * n + j, n, cols, accumulate);
                        }
                    }
                    for (; i < iEnd; i++) {
                        int at = i * stride + origin;
                        if (cols == NR) {
                            microRow(rows, at, packed, panel, kc, c, i * n + j, accumulate);
                        } else {
                            microRow(rows, at, packed, panel, kc, ws.tile, 0, false);
                            merge(ws.tile, 1, c, i * n + j, n, cols, accumulate);
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows ii..iEnd of op(a) = aᵀ (a [k, m]) at depths kk..kk+kc, copied into rows of A_STRIDE. The reads run along
     * a's rows, so each step t reads iEnd - ii consecutive floats.
     */
    private static float[] rowsOfTransposed(float[] a, int m, int ii, int iEnd, int kk, int kc, Workspace ws) {
        if (ws.rowsOfA == null) {
            ws.rowsOfA = new float[MC * A_STRIDE];
        }
        float[] rows = ws.rowsOfA;
        for (int t = 0; t < kc; t++) {
            int src = (kk + t) * m;
            for (int i = ii; i < iEnd; i++) {
                rows[(i - ii) * A_STRIDE + t] = a[src + i];
            }
        }
        return rows;
    }

    /**
     * Panels of b [k, n] stored as used: panel step t is b's row kk + t, columns j..j+NR, one contiguous copy;
     * columns past j1 are zero.
     */
    private static void packRows(float[] b, int n, int j0, int j1, int kk, int kc, float[] packed) {
        for (int j = j0, panel = 0; j < j1; j += NR, panel += kc * NR) {
            int cols = Math.min(NR, j1 - j);
            for (int t = 0; t < kc; t++) {
                int at = panel + t * NR;
                System.arraycopy(b, (kk + t) * n + j, packed, at, cols);
                if (cols < NR) {
                    Arrays.fill(packed, at + cols, at + NR, 0f);
                }
            }
        }
    }

    /**
     * Panels of NR columns, each laid out [t][NR]; columns past j1 are zero so the kernel needs no edge case. A full
     * vector of columns is one gather per step t (LANES rows of b, k apart): a scalar transpose cost as much as the
     * arithmetic when a has only a hundred rows or so.
     */
    private static void pack(float[] b, int k, int j0, int j1, int kk, int kc, Workspace ws) {
        int[] rowOffsets = ws.rowOffsets(k);
        float[] packed = ws.packed;
        for (int j = j0, panel = 0; j < j1; j += NR, panel += kc * NR) {
            for (int v = 0; v < NR; v += LANES) {
                int row = j + v;
                if (row + LANES <= j1) {
                    int t = 0;
                    if (LANES == 16) {
                        for (; t + 16 <= kc; t += 16) {
                            transpose16(b, row * k + kk + t, k, packed, panel + t * NR + v);
                        }
                    }
                    for (; t < kc; t++) {
                        FloatVector.fromArray(SPECIES, b, row * k + kk + t, rowOffsets, 0)
                                .intoArray(packed, panel + t * NR + v);
                    }
                } else {
                    packRagged(b, k, row, j1, kk, kc, packed, panel + v);
                }
            }
        }
    }

    /** Two-vector selections of the transpose's butterfly stages, for half-widths 8, 4, 2, 1 (16 lanes only). */
    private static final FloatVector[] LOW = LANES == 16 ? butterfly(0) : null;
    private static final FloatVector[] HIGH = LANES == 16 ? butterfly(1) : null;

    /**
     * Stage s (half-width h = 8 >> s) maps a pair (u, w) to (low, high): low lane l is u[l] where bit h of l is clear,
     * else w[l - h]; high lane l is u[l + h] where clear, else w[l]. Four stages transpose 16 × 16.
     */
    private static FloatVector[] butterfly(int high) {
        FloatVector[] out = new FloatVector[4];
        for (int s = 0; s < 4; s++) {
            int h = 8 >> s;
            float[] index = new float[16];
            for (int l = 0; l < 16; l++) {
                boolean clear = (l & h) == 0;
                index[l] = high == 0 ? (clear ? l : 16 + l - h) : (clear ? l + h : 16 + l);
            }
            out[s] = FloatVector.fromArray(SPECIES, index, 0);
        }
        return out;
    }

    /**
     * packed[dst + q·NR + l] ← b[src + l·k + q] for l, q &lt; 16: sixteen rows of b, sixteen depths each, transposed
     * in registers by four butterfly stages of two-vector selections (vpermt2ps on AVX-512). With batches of a hundred
     * rows or so, packing by gathers (one per depth) took a fifth of a batched prefill; this moves the same floats.
     */
    private static void transpose16(float[] b, int src, int k, float[] packed, int dst) {
        FloatVector v0 = row(b, src, k, 0), v1 = row(b, src, k, 1), v2 = row(b, src, k, 2), v3 = row(b, src, k, 3);
        FloatVector v4 = row(b, src, k, 4), v5 = row(b, src, k, 5), v6 = row(b, src, k, 6), v7 = row(b, src, k, 7);
        FloatVector v8 = row(b, src, k, 8), v9 = row(b, src, k, 9), v10 = row(b, src, k, 10);
        FloatVector v11 = row(b, src, k, 11), v12 = row(b, src, k, 12), v13 = row(b, src, k, 13);
        FloatVector v14 = row(b, src, k, 14), v15 = row(b, src, k, 15);
        for (int s = 0; s < 4; s++) {
            FloatVector lo = LOW[s];
            FloatVector hi = HIGH[s];
            // Pairs (i, i + h) for h = 8 >> s: the same sixteen lines each stage, with the partners renamed below.
            FloatVector t0 = lo.selectFrom(v0, v8), t8 = hi.selectFrom(v0, v8);
            FloatVector t1 = lo.selectFrom(v1, v9), t9 = hi.selectFrom(v1, v9);
            FloatVector t2 = lo.selectFrom(v2, v10), t10 = hi.selectFrom(v2, v10);
            FloatVector t3 = lo.selectFrom(v3, v11), t11 = hi.selectFrom(v3, v11);
            FloatVector t4 = lo.selectFrom(v4, v12), t12 = hi.selectFrom(v4, v12);
            FloatVector t5 = lo.selectFrom(v5, v13), t13 = hi.selectFrom(v5, v13);
            FloatVector t6 = lo.selectFrom(v6, v14), t14 = hi.selectFrom(v6, v14);
            FloatVector t7 = lo.selectFrom(v7, v15), t15 = hi.selectFrom(v7, v15);
            // Relabel so that next stage's partners (distance h / 2) sit 8 apart again: a perfect shuffle of indices.
            v0 = t0; v1 = t8; v2 = t1; v3 = t9; v4 = t2; v5 = t10; v6 = t3; v7 = t11;
            v8 = t4; v9 = t12; v10 = t5; v11 = t13; v12 = t6; v13 = t14; v14 = t7; v15 = t15;
        }
        v0.intoArray(packed, dst);
        v1.intoArray(packed, dst + NR);
        v2.intoArray(packed, dst + 2 * NR);
        v3.intoArray(packed, dst + 3 * NR);
        v4.intoArray(packed, dst + 4 * NR);
        v5.intoArray(packed, dst + 5 * NR);
        v6.intoArray(packed, dst + 6 * NR);
        v7.intoArray(packed, dst + 7 * NR);
        v8.intoArray(packed, dst + 8 * NR);
        v9.intoArray(packed, dst + 9 * NR);
        v10.intoArray(packed, dst + 10 * NR);
        v11.intoArray(packed, dst + 11 * NR);
        v12.intoArray(packed, dst + 12 * NR);
        v13.intoArray(packed, dst + 13 * NR);
        v14.intoArray(packed, dst + 14 * NR);
        v15.intoArray(packed, dst + 15 * NR);
    }

    private static FloatVector row(float[] b, int src, int k, int l) {
        return FloatVector.fromArray(SPECIES, b, src + l * k);
    }

    /** The last, partial vector of columns: rows past j1 become zeros. */
    private static void packRagged(float[] b, int k, int row, int j1, int kk, int kc, float[] packed, int at) {
        for (int jj = 0; jj < LANES; jj++) {
            int src = (row + jj) * k + kk;
            for (int t = 0; t < kc; t++) {
                packed[at + t * NR + jj] = row + jj < j1 ? b[src + t] : 0f;
            }
        }
    }

    /**
     * dst rows (stride dStride) at dOff (+)= six rows of a · the panel, NR columns. The tile is loaded into and
     * stored from registers inside the kernel: handing vectors to a helper that C2 does not inline boxes them, which
     * made the kernel four times slower. One kernel per tile width, chosen by {@link #VECS}, each unrolled by hand:
     * C2 keeps named vector locals in registers, not arrays of vectors.
     */
    private static void micro6(float[] a, int a0, int k, float[] p, int pOff, int kc,
                               float[] dst, int dOff, int dStride, boolean accumulate) {
        if (VECS == 4) {
            micro6x4(a, a0, k, p, pOff, kc, dst, dOff, dStride, accumulate);
        } else {
            micro6x2(a, a0, k, p, pOff, kc, dst, dOff, dStride, accumulate);
        }
    }

    private static void micro6x2(float[] a, int a0, int k, float[] p, int pOff, int kc,
                                   float[] dst, int dOff, int dStride, boolean accumulate) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int a4 = a3 + k;
        int a5 = a4 + k;
        int d0 = dOff;
        int d1 = d0 + dStride;
        int d2 = d1 + dStride;
        int d3 = d2 + dStride;
        int d4 = d3 + dStride;
        int d5 = d4 + dStride;
        FloatVector c00 = load(dst, d0, accumulate), c01 = load(dst, d0 + LANES, accumulate);
        FloatVector c10 = load(dst, d1, accumulate), c11 = load(dst, d1 + LANES, accumulate);
        FloatVector c20 = load(dst, d2, accumulate), c21 = load(dst, d2 + LANES, accumulate);
        FloatVector c30 = load(dst, d3, accumulate), c31 = load(dst, d3 + LANES, accumulate);
        FloatVector c40 = load(dst, d4, accumulate), c41 = load(dst, d4 + LANES, accumulate);
        FloatVector c50 = load(dst, d5, accumulate), c51 = load(dst, d5 + LANES, accumulate);
        for (int t = 0; t < kc; t++) {
            int at = pOff + t * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, p, at);
            FloatVector b1 = FloatVector.fromArray(SPECIES, p, at + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + t]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(SPECIES, a[a1 + t]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(SPECIES, a[a2 + t]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(SPECIES, a[a3 + t]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(SPECIES, a[a4 + t]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(SPECIES, a[a5 + t]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
        }
        c00.intoArray(dst, d0);
        c01.intoArray(dst, d0 + LANES);
        c10.intoArray(dst, d1);
        c11.intoArray(dst, d1 + LANES);
        c20.intoArray(dst, d2);
        c21.intoArray(dst, d2 + LANES);
        c30.intoArray(dst, d3);
        c31.intoArray(dst, d3 + LANES);
        c40.intoArray(dst, d4);
        c41.intoArray(dst, d4 + LANES);
        c50.intoArray(dst, d5);
        c51.intoArray(dst, d5 + LANES);
    }

    private static void micro6x4(float[] a, int a0, int k, float[] p, int pOff, int kc,
                                   float[] dst, int dOff, int dStride, boolean accumulate) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int a4 = a3 + k;
        int a5 = a4 + k;
        int d0 = dOff;
        int d1 = d0 + dStride;
        int d2 = d1 + dStride;
        int d3 = d2 + dStride;
        int d4 = d3 + dStride;
        int d5 = d4 + dStride;
        FloatVector c00 = load(dst, d0, accumulate), c01 = load(dst, d0 + LANES, accumulate), c02 = load(dst, d0 + 2 * LANES, accumulate), c03 = load(dst, d0 + 3 * LANES, accumulate);
        FloatVector c10 = load(dst, d1, accumulate), c11 = load(dst, d1 + LANES, accumulate), c12 = load(dst, d1 + 2 * LANES, accumulate), c13 = load(dst, d1 + 3 * LANES, accumulate);
        FloatVector c20 = load(dst, d2, accumulate), c21 = load(dst, d2 + LANES, accumulate), c22 = load(dst, d2 + 2 * LANES, accumulate), c23 = load(dst, d2 + 3 * LANES, accumulate);
        FloatVector c30 = load(dst, d3, accumulate), c31 = load(dst, d3 + LANES, accumulate), c32 = load(dst, d3 + 2 * LANES, accumulate), c33 = load(dst, d3 + 3 * LANES, accumulate);
        FloatVector c40 = load(dst, d4, accumulate), c41 = load(dst, d4 + LANES, accumulate), c42 = load(dst, d4 + 2 * LANES, accumulate), c43 = load(dst, d4 + 3 * LANES, accumulate);
        FloatVector c50 = load(dst, d5, accumulate), c51 = load(dst, d5 + LANES, accumulate), c52 = load(dst, d5 + 2 * LANES, accumulate), c53 = load(dst, d5 + 3 * LANES, accumulate);
        for (int t = 0; t < kc; t++) {
            int at = pOff + t * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, p, at);
            FloatVector b1 = FloatVector.fromArray(SPECIES, p, at + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, p, at + 2 * LANES);
            FloatVector b3 = FloatVector.fromArray(SPECIES, p, at + 3 * LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + t]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(SPECIES, a[a1 + t]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(SPECIES, a[a2 + t]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(SPECIES, a[a3 + t]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
            x = FloatVector.broadcast(SPECIES, a[a4 + t]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            c42 = b2.fma(x, c42);
            c43 = b3.fma(x, c43);
            x = FloatVector.broadcast(SPECIES, a[a5 + t]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            c52 = b2.fma(x, c52);
            c53 = b3.fma(x, c53);
        }
        c00.intoArray(dst, d0);
        c01.intoArray(dst, d0 + LANES);
        c02.intoArray(dst, d0 + 2 * LANES);
        c03.intoArray(dst, d0 + 3 * LANES);
        c10.intoArray(dst, d1);
        c11.intoArray(dst, d1 + LANES);
        c12.intoArray(dst, d1 + 2 * LANES);
        c13.intoArray(dst, d1 + 3 * LANES);
        c20.intoArray(dst, d2);
        c21.intoArray(dst, d2 + LANES);
        c22.intoArray(dst, d2 + 2 * LANES);
        c23.intoArray(dst, d2 + 3 * LANES);
        c30.intoArray(dst, d3);
        c31.intoArray(dst, d3 + LANES);
        c32.intoArray(dst, d3 + 2 * LANES);
        c33.intoArray(dst, d3 + 3 * LANES);
        c40.intoArray(dst, d4);
        c41.intoArray(dst, d4 + LANES);
        c42.intoArray(dst, d4 + 2 * LANES);
        c43.intoArray(dst, d4 + 3 * LANES);
        c50.intoArray(dst, d5);
        c51.intoArray(dst, d5 + LANES);
        c52.intoArray(dst, d5 + 2 * LANES);
        c53.intoArray(dst, d5 + 3 * LANES);
    }

    /**
     * One row of a against a panel: the rows left over below a multiple of MR. Two column vectors at a time, with
     * even and odd steps in separate accumulators, so four FMA chains hide the latency.
     */
    private static void microRow(float[] a, int a0, float[] p, int pOff, int kc,
                                 float[] dst, int dOff, boolean accumulate) {
        for (int v = 0; v < NR; v += 2 * LANES) {
            FloatVector c0 = load(dst, dOff + v, accumulate);
            FloatVector c1 = load(dst, dOff + v + LANES, accumulate);
            FloatVector e0 = FloatVector.zero(SPECIES);
            FloatVector e1 = FloatVector.zero(SPECIES);
            int t = 0;
            for (; t + 1 < kc; t += 2) {
                int at = pOff + t * NR + v;
                FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + t]);
                c0 = FloatVector.fromArray(SPECIES, p, at).fma(x, c0);
                c1 = FloatVector.fromArray(SPECIES, p, at + LANES).fma(x, c1);
                FloatVector y = FloatVector.broadcast(SPECIES, a[a0 + t + 1]);
                e0 = FloatVector.fromArray(SPECIES, p, at + NR).fma(y, e0);
                e1 = FloatVector.fromArray(SPECIES, p, at + NR + LANES).fma(y, e1);
            }
            if (t < kc) {
                int at = pOff + t * NR + v;
                FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + t]);
                c0 = FloatVector.fromArray(SPECIES, p, at).fma(x, c0);
                c1 = FloatVector.fromArray(SPECIES, p, at + LANES).fma(x, c1);
            }
            c0.add(e0).intoArray(dst, dOff + v);
            c1.add(e1).intoArray(dst, dOff + v + LANES);
        }
    }

    /** Small enough for C2 to inline, so the vector it returns stays in a register. */
    private static FloatVector load(float[] dst, int off, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(SPECIES, dst, off) : FloatVector.zero(SPECIES);
    }

    /** Writes (or adds) the first {@code cols} columns of a tile of {@code rows} rows of NR into c. */
    private static void merge(float[] tile, int rows, float[] c, int cOff, int n, int cols, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                float v = tile[r * NR + j];
                c[cOff + r * n + j] = accumulate ? c[cOff + r * n + j] + v : v;
            }
        }
    }
}
