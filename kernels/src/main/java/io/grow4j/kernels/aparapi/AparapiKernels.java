package io.grow4j.kernels.aparapi;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.FallbackPolicy;
import io.grow4j.kernels.device.WorkGroupSizes;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;

/**
 * The forward-pass kernels written in Java and compiled to OpenCL by Aparapi at first use. Aparapi copies every array
 * field to the device and back on each execute, so nothing stays resident; in exchange the kernels read like the
 * sequential loops they replace. A kernel that does not run on the device (Aparapi's silent thread-pool fallback) is
 * handled by the profile's {@link FallbackPolicy}. Not thread-safe: one instance per thread.
 */
public final class AparapiKernels implements KernelBackend {
    private final OpenCLDevice device;
    private final WorkGroupSizes sizes;
    private final FallbackGuard guard;
    private final MatmulKernel matmul;
    private final MatvecKernel matvec;
    private final RmsNormKernel rmsnorm;
    private final RopeKernel rope = new RopeKernel();
    private final AttentionKernel attention;
    private final SwigluKernel swiglu = new SwigluKernel();
    private final ReluKernel relu = new ReluKernel();
    private final GeluKernel gelu = new GeluKernel();
    private final AddKernel add = new AddKernel();
    private float[] scores = new float[0];

    public AparapiKernels(DeviceProfile profile) {
        this.device = AparapiDevices.select(profile.device());
        this.sizes = profile.workGroups();
        this.guard = new FallbackGuard(profile.fallback(), device());
        this.matmul = new MatmulKernel(sizes.aparapiMatmulTile());
        this.matvec = new MatvecKernel(sizes.matvec());
        this.rmsnorm = new RmsNormKernel(sizes.rmsnorm());
        this.attention = new AttentionKernel(sizes.attention());
    }

    @Override
    public String name() {
        return "aparapi";
    }

    @Override
    public String device() {
        return device.getName() + " (" + device.getType().name().toLowerCase() + ", "
                + device.getOpenCLPlatform().getName() + ")";
    }

    /** Runs a kernel on the device and applies the fallback policy; package-visible so tests can force a fallback. */
    void execute(Kernel kernel, String name, Range range) {
        try {
            kernel.execute(range);
        } catch (AssertionError e) {
            // Once a kernel class has fallen back, Aparapi refuses ranges bound to an OpenCL device for it (with an
            // AssertionError, asserts enabled or not); it still runs a device-less range in its thread pool.
            if (!String.valueOf(e.getMessage()).startsWith("user supplied Device incompatible")) {
                throw e;
            }
            guard.refused(kernel, name);
            kernel.execute(hostRange(range));
        }
        guard.check(kernel, name);
    }

    private static Range hostRange(Range r) {
        return r.getDims() == 1 ? Range.create(r.getGlobalSize(0), r.getLocalSize(0))
                : Range.create2D(r.getGlobalSize(0), r.getGlobalSize(1), r.getLocalSize(0), r.getLocalSize(1));
    }

    @Override
    public void matvec(float[] w, float[] x, float[] out, int rows, int cols) {
        Checks.length("matvec", "w", w, (long) rows * cols);
        Checks.length("matvec", "x", x, cols);
        Checks.length("matvec", "out", out, rows);
        if (rows == 0) {
            return;
        }
        MatvecKernel k = matvec;
        k.w = w;
        k.x = x;
        k.out = out;
        k.cols = cols;
        execute(k, "matvec", device.createRange(rows * k.group, k.group));
    }

    @Override
    public void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        Checks.length("matmul", "a", a, (long) m * k);
        Checks.length("matmul", "b", b, (long) n * k);
        Checks.length("matmul", "c", c, (long) m * n);
        if (m == 0 || n == 0) {
            return;
        }
        MatmulKernel kernel = matmul;
        kernel.a = a;
        kernel.b = b;
        kernel.c = c;
        kernel.m = m;
        kernel.n = n;
        kernel.k = k;
        int t = kernel.tile;
        execute(kernel, "matmul", device.createRange2D(roundUp(n, t), roundUp(m, t), t, t));
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] gain, float eps, int n) {
        Checks.length("rmsnorm", "x", x, n);
        Checks.length("rmsnorm", "gain", gain, n);
        Checks.length("rmsnorm", "out", out, n);
        RmsNormKernel k = rmsnorm;
        k.out = out;
        k.x = x;
        k.gain = gain;
        k.eps = eps;
        k.n = n;
        execute(k, "rmsnorm", device.createRange(k.group, k.group));
    }

    @Override
    public void rope(float[] vec, int heads, int headSize, int position, RopeFrequencies frequencies,
                     RopeLayout layout) {
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even head size, got " + headSize);
        }
        Checks.length("rope", "vec", vec, (long) heads * headSize);
        float[][] table = io.grow4j.kernels.opencl.RopeTables.cosSin(frequencies, position);
        RopeKernel k = rope;
        k.v = vec;
        k.cosines = table[0];
        k.sines = table[1];
        k.pairs = heads * (headSize / 2);
        k.headSize = headSize;
        k.halfSplit = layout == RopeLayout.HALF_SPLIT ? 1 : 0;
        execute(k, "rope", elementwiseRange(k.pairs));
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int position,
                          int queryHeads, int kvHeads, int keySize, int valueSize) {
        if (kvHeads <= 0 || queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: " + queryHeads + " query heads cannot share " + kvHeads
                    + " kv heads evenly");
        }
        int len = position + 1;
        Checks.length("attention", "q", q, (long) queryHeads * keySize);
        Checks.length("attention", "keys", keys, (long) len * kvHeads * keySize);
        Checks.length("attention", "values", values, (long) len * kvHeads * valueSize);
        Checks.length("attention", "out", out, (long) queryHeads * valueSize);
        if (scores.length < queryHeads * len) {
            scores = new float[queryHeads * len];
        }
        AttentionKernel k = attention;
        k.q = q;
        k.keys = keys;
        k.values = values;
        k.out = out;
        k.scores = scores;
        k.position = position;
        k.queryHeads = queryHeads;
        k.kvHeads = kvHeads;
        k.keySize = keySize;
        k.valueSize = valueSize;
        k.scale = (float) (1.0 / Math.sqrt(keySize));
        execute(k, "attention", device.createRange(queryHeads * k.group, k.group));
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        Checks.length("swiglu", "gate", gate, n);
        Checks.length("swiglu", "up", up, n);
        swiglu.gate = gate;
        swiglu.up = up;
        swiglu.n = n;
        execute(swiglu, "swiglu", elementwiseRange(n));
    }

    @Override
    public void relu(float[] x, int n) {
        Checks.length("relu", "x", x, n);
        relu.x = x;
        relu.n = n;
        execute(relu, "relu", elementwiseRange(n));
    }

    @Override
    public void gelu(float[] x, int n) {
        Checks.length("gelu", "x", x, n);
        gelu.x = x;
        gelu.n = n;
        execute(gelu, "gelu", elementwiseRange(n));
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        Checks.length("add", "y", y, n);
        Checks.length("add", "x", x, n);
        add.y = y;
        add.x = x;
        add.n = n;
        execute(add, "add", elementwiseRange(n));
    }

    /** Aparapi needs the global size to be a multiple of the group; kernels guard the tail. */
    private Range elementwiseRange(int n) {
        int group = sizes.elementwise();
        return device.createRange(Math.max(roundUp(n, group), group), group);
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    @Override
    public void close() {
        for (Kernel k : new Kernel[] {matmul, matvec, rmsnorm, rope, attention, swiglu, relu, gelu, add}) {
            k.dispose();
        }
    }
}
