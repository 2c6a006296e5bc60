package io.grow4j.kernels.cpu;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.RangeBody;
import io.grow4j.kernels.opencl.RopeTables;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.kernels.TensorKernels;
import io.grow4j.kernels.TensorKernelsChecks;
import io.grow4j.kernels.ActivationMath;
import io.grow4j.model.Tensor;
import io.grow4j.model.RopeLayout;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * The Java CPU backend: Vector API inner loops, outer loops in explicit chunks on one thread per processor, the
 * calling thread among them ({@link ParallelChunks}: persistent workers that spin briefly, then park). Each kernel
 * is a flat loop whose outer index is the parallel one (TornadoVM's style): rows for matvec, column blocks of c for
 * matmul, query heads for attention. Small calls run on the calling thread.
 */
public final class CpuKernels implements KernelBackend, TensorKernels {
    /** Below this many rows of a, packing b costs more than it saves: use row dot products instead. */
    private static final int PACK_MIN_ROWS = 8;
    /** Row products split at multiples of four rows, the group that shares each load of x. */
    private static final int ROWS = 4;

    private final ParallelChunks parallel;
    private final ThreadLocal<float[]> tileScratch = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> partScratch = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> attentionScratch = ThreadLocal.withInitial(() -> new float[0]);

    /** A backend on one thread per available processor. */
    public CpuKernels() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuKernels(int threads) {
        this.parallel = new ParallelChunks(threads);
    }

    /**
     * A backend on {@code threads} threads that spin {@code spinNanos} before they park when idle or waiting (0: park
     * at once). For measuring the hand-off on a given machine; the default suits decoding on a machine of its own.
     */
    public CpuKernels(int threads, long spinNanos) {
        this.parallel = new ParallelChunks(threads, spinNanos);
    }

    /** Threads the parallel loops run on (the calling thread among them). */
    public int threads() {
        return parallel.threads();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String device() {
        return "Java Vector API, " + VectorDots.LANES + " float lanes, " + parallel.threads() + " threads";
    }

    /** Where the threads have waited in the parallel calls so far (for measuring the hand-off). */
    public HandOff handOff() {
        return parallel.handOff();
    }

    /** How long idle or waiting threads spin before they park, ns. */
    public long spinNanos() {
        return parallel.spinNanos();
    }

    @Override
    public void matvec(float[] w, float[] x, float[] out, int rows, int cols) {
        parallel.forRange(rows, cols, ROWS, (from, to) -> VectorDots.rowDots(w, cols, x, 0, out, 0, from, to));
    }

    /** The rows of every matrix form one range, split in chunks once: one fork/join instead of one per matrix. */
    @Override
    public void matvecs(float[] x, int cols, float[][] ws, float[][] outs, int[] rows) {
        int[] first = new int[ws.length + 1];
        for (int i = 0; i < ws.length; i++) {
            first[i + 1] = first[i] + rows[i];
        }
        parallel.forRange(first[ws.length], cols, ROWS, (from, to) -> {
            for (int i = 0; i < ws.length; i++) {
                int lo = Math.max(from, first[i]);
                int hi = Math.min(to, first[i + 1]);
                if (lo < hi) {
                    VectorDots.rowDots(ws[i], cols, x, 0, outs[i], 0, lo - first[i], hi - first[i]);
                }
            }
        });
    }

    /** Rows of w are read in place and dotted like an array's rows (same order, same sums). */
    @Override
    public void matvec(Tensor w, float[] x, float[] out) {
        float[] xs = SegmentDots.prepare(w.dtype(), x);
        parallel.forRange(Math.toIntExact(w.dim(0)), x.length, ROWS, (from, to) -> rowProducts(x, xs, w, out, from, to));
    }

    /**
     * out[r] = w[r] · x for rows [from, to): straight from the stored bytes where the dtype converts in registers
     * (one activation row uses each weight once, so a decoded tile would only add a copy), else by decoded tiles.
     */
    private void rowProducts(float[] x, float[] xs, Tensor w, float[] out, int from, int to) {
        if (SegmentDots.reads(w.dtype())) {
            SegmentDots.rowDots(w, x, xs, out, from, to);
        } else {
            tileProducts(x, 1, w, out, from, to);
        }
    }

    /** Each tile of weight rows is decoded once and dotted with every activation row while it sits in cache. */
    @Override
    public void matmul(float[] a, int m, Tensor w, float[] c) {
        int n = Math.toIntExact(w.dim(0));
        int k = Math.toIntExact(w.dim(1));
        if (m < PACK_MIN_ROWS || k == 0) {
            parallel.forRange(n, (long) m * k, ROWS, (from, to) -> tileProducts(a, m, w, c, from, to));
        } else {
            packedTensorMatmul(a, m, w, c, n, k);
        }
    }

    /**
     * Tasks are blocks of weight rows (at most NC, whole panels of NR, and at least two per thread so that a 768-row
     * projection does not split 512 + 256 over two threads): each decodes its block once into float32 and runs the
     * packed kernel on it against every activation row, then scatters its columns of c.
     */
    private void packedTensorMatmul(float[] a, int m, Tensor w, float[] c, int n, int k) {
        int perTask = ceilDiv(ceilDiv(n, 2 * parallel.threads()), PackedMatmul.NR) * PackedMatmul.NR;
        int width = Math.min(PackedMatmul.NC, perTask);
        int blocks = ceilDiv(n, width);
        parallel.forRange(blocks, (long) m * width * k, (from, to) -> {
            PackedMatmul.Workspace workspace = new PackedMatmul.Workspace();
            float[] rows = tile(width * k);
            float[] part = scratch(partScratch, m * width);
            for (int block = from; block < to; block++) {
                int j0 = block * width;
                int cols = Math.min(n, j0 + width) - j0;
                TensorRows.decode(w, k, j0, j0 + cols, rows);
                PackedMatmul.block(a, rows, part, cols, k, 0, m, 0, cols, workspace);
                for (int i = 0; i < m; i++) {
                    System.arraycopy(part, i * cols, c, i * n + j0, cols);
                }
            }
        });
    }

    /** The rows of every matrix form one range, split in chunks once: one fork/join instead of one per matrix. */
    @Override
    public void matvecs(Tensor[] ws, float[] x, float[][] outs) {
        int[] first = new int[ws.length + 1];
        float[][] xs = new float[ws.length][];
        for (int i = 0; i < ws.length; i++) {
            first[i + 1] = first[i] + Math.toIntExact(ws[i].dim(0));
            xs[i] = SegmentDots.prepare(ws[i].dtype(), x);
        }
        parallel.forRange(first[ws.length], x.length, ROWS, (from, to) -> {
            for (int i = 0; i < ws.length; i++) {
                int lo = Math.max(from, first[i]);
                int hi = Math.min(to, first[i + 1]);
                if (lo < hi) {
                    rowProducts(x, xs[i], ws[i], outs[i], lo - first[i], hi - first[i]);
                }
            }
        });
    }

    /**
     * Rows [from, to) of every matrix, then {@code then} on them, in one chunk: a chunk's entrywise step reads only
     * what the same thread just wrote, so the call needs no second hand-off.
     */
    @Override
    public void matvecsThen(Tensor[] ws, float[] x, float[][] outs, RangeBody then) {
        int rows = TensorKernelsChecks.sameRows(ws);
        float[][] xs = new float[ws.length][];
        for (int i = 0; i < ws.length; i++) {
            xs[i] = SegmentDots.prepare(ws[i].dtype(), x);
        }
        parallel.forRange(rows, (long) ws.length * x.length, ROWS, (from, to) -> {
            for (int i = 0; i < ws.length; i++) {
                rowProducts(x, xs[i], ws[i], outs[i], from, to);
            }
            then.run(from, to);
        });
    }

    /** c[i, r] for rows r in [from, to) of w, a tile of rows decoded at a time. */
    private void tileProducts(float[] a, int m, Tensor w, float[] c, int from, int to) {
        int n = Math.toIntExact(w.dim(0));
        int k = Math.toIntExact(w.dim(1));
        int tileRows = TensorRows.tileRows(k);
        float[] tile = tile(tileRows * k);
        for (int r0 = from; r0 < to; r0 += tileRows) {
            int r1 = Math.min(to, r0 + tileRows);
            TensorRows.decode(w, k, r0, r1, tile);
            for (int i = 0; i < m; i++) {
                VectorDots.rowDots(tile, k, a, i * k, c, i * n + r0, 0, r1 - r0);
            }
        }
    }

    /** Per-thread scratch, kept between calls: a batch's products allocate nothing once warm. */
    private float[] tile(int size) {
        return scratch(tileScratch, size);
    }

    private static float[] scratch(ThreadLocal<float[]> holder, int size) {
        float[] tile = holder.get();
        if (tile.length < size) {
            tile = new float[size];
            holder.set(tile);
        }
        return tile;
    }

    @Override
    public void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        if (k == 0) {
            Arrays.fill(c, 0, m * n, 0f);
        } else if (m < PACK_MIN_ROWS) {
            parallel.forRange(n, (long) m * k, ROWS, (from, to) -> {
                for (int i = 0; i < m; i++) {
                    VectorDots.rowDots(b, k, a, i * k, c, i * n, from, to);
                }
            });
        } else {
            packedMatmul(PackedMatmul.Layout.NT, a, b, c, m, n, k, false);
        }
    }

    /** On the packed kernel whatever m: b is packed by plain row copies, so there is no gather to avoid. */
    @Override
    public void matmulNN(float[] a, float[] b, float[] c, int m, int n, int k) {
        if (k == 0) {
            Arrays.fill(c, 0, m * n, 0f);
        } else {
            packedMatmul(PackedMatmul.Layout.NN, a, b, c, m, n, k, false);
        }
    }

    @Override
    public void addMatmulTN(float[] a, float[] b, float[] c, int m, int n, int k) {
        if (k > 0) {
            packedMatmul(PackedMatmul.Layout.TN, a, b, c, m, n, k, true);
        }
    }

    /**
     * Tasks are column blocks of c (each packs its own block of b, so b is packed once), split further along m only
     * when there are too few column blocks to keep every thread busy.
     */
    private void packedMatmul(PackedMatmul.Layout layout, float[] a, float[] b, float[] c, int m, int n, int k,
                              boolean addToC) {
        int columnBlocks = ceilDiv(n, PackedMatmul.NC);
        int rowGroups = ceilDiv(m, PackedMatmul.MR);
        int rowParts = Math.max(1, Math.min(rowGroups, ceilDiv(2 * parallel.threads(), columnBlocks)));
        long workPerTask = (long) ceilDiv(m, rowParts) * Math.min(n, PackedMatmul.NC) * k;
        parallel.forRange(columnBlocks * rowParts, workPerTask, (from, to) -> {
            PackedMatmul.Workspace workspace = new PackedMatmul.Workspace();
            for (int task = from; task < to; task++) {
                int block = task / rowParts;
                int part = task % rowParts;
                int i0 = Math.min(m, PackedMatmul.MR * (int) ((long) part * rowGroups / rowParts));
                int i1 = Math.min(m, PackedMatmul.MR * (int) ((long) (part + 1) * rowGroups / rowParts));
                int j0 = block * PackedMatmul.NC;
                int j1 = Math.min(n, j0 + PackedMatmul.NC);
                PackedMatmul.block(layout, a, b, c, m, n, k, i0, i1, j0, j1, addToC, workspace);
            }
        });
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] gain, float eps, int n) {
        float squares = VectorDots.dot(x, 0, x, 0, n);
        float inv = (float) (1.0 / Math.sqrt((double) squares / n + eps));
        int i = 0;
        for (; i <= n - VectorDots.LANES; i += VectorDots.LANES) {
            FloatVector.fromArray(VectorDots.SPECIES, x, i).mul(inv)
                    .mul(FloatVector.fromArray(VectorDots.SPECIES, gain, i)).intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = x[i] * inv * gain[i];
        }
    }

    /** The angles depend on the pair only, so cos and sin are computed once per call and reused by every head. */
    @Override
    public void rope(float[] vec, int heads, int headSize, int position, RopeFrequencies frequencies,
                     RopeLayout layout) {
        int pairs = headSize / 2;
        float[][] table = RopeTables.cosSin(frequencies, position);
        float[] cos = table[0];
        float[] sin = table[1];
        for (int h = 0; h < heads; h++) {
            int base = h * headSize;
            for (int pair = 0; pair < pairs; pair++) {
                int i0 = base + layout.dimOf(pair, 0, headSize);
                int i1 = base + layout.dimOf(pair, 1, headSize);
                float x0 = vec[i0];
                float x1 = vec[i1];
                vec[i0] = x0 * cos[pair] - x1 * sin[pair];
                vec[i1] = x0 * sin[pair] + x1 * cos[pair];
            }
        }
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int position,
                          int queryHeads, int kvHeads, int keySize, int valueSize) {
        int span = position + 1;
        float[] scores = scratch(queryHeads * span);
        long workPerHead = (long) span * (keySize + valueSize);
        parallel.forRange(queryHeads, workPerHead, (from, to) -> {
            for (int h = from; h < to; h++) {
                AttentionHead.run(q, keys, values, out, scores, h * span, position, h, queryHeads / kvHeads,
                        kvHeads, keySize, valueSize);
            }
        });
    }

    private float[] scratch(int size) {
        float[] s = attentionScratch.get();
        if (s.length < size) {
            s = new float[Math.max(size, 2 * s.length)];
            attentionScratch.set(s);
        }
        return s;
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        parallel.forRange(n, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                gate[i] = ActivationMath.swiglu(gate[i], up[i]);
            }
        });
    }

    @Override
    public void relu(float[] x, int n) {
        int i = 0;
        for (; i <= n - VectorDots.LANES; i += VectorDots.LANES) {
            FloatVector.fromArray(VectorDots.SPECIES, x, i).max(0f).intoArray(x, i);
        }
        for (; i < n; i++) {
            x[i] = Math.max(x[i], 0f);
        }
    }

    @Override
    public void gelu(float[] x, int n) {
        parallel.forRange(n, 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                x[i] = (float) FastGelu.gelu(x[i]);
            }
        });
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        int i = 0;
        for (; i <= n - VectorDots.LANES; i += VectorDots.LANES) {
            FloatVector.fromArray(VectorDots.SPECIES, y, i).add(FloatVector.fromArray(VectorDots.SPECIES, x, i))
                    .intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += x[i];
        }
    }

    /** Kernels called from the body run on its thread (a call made while the pool is busy runs inline). */
    @Override
    public void parallelFor(int items, long workPerItem, RangeBody body) {
        parallel.forRange(items, workPerItem, body);
    }

    @Override
    public void close() {
        parallel.close();
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
