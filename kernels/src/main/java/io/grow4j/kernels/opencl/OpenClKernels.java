package io.grow4j.kernels.opencl;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.DeviceType;
import io.grow4j.kernels.device.MatmulVariant;
import io.grow4j.kernels.device.WorkGroupSizes;
import io.grow4j.model.DType;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * The forward-pass kernels in OpenCL C (resource {@code forward.cl}) through JOCL. Weights ({@code w} of matvec,
 * {@code b} of matmul, {@code gain} of rmsnorm) stay on the device, keyed by array identity; activations are
 * uploaded on every call into reused scratch buffers and results read back before the call returns.
 * Not thread-safe: one instance per thread.
 */
public final class OpenClKernels implements KernelBackend {
    /** Items along a tile row compute this many rows of C each (register blocking). */
    private static final int WPT = 4;
    private static final int SLOTS = 5;

    private final ClDevice device;
    private final boolean ownsDevice;
    private final WorkGroupSizes sizes;
    private final ScratchBuffers scratch;
    private final ResidentWeights weights;
    private final ClKernel matmul;
    private final ClKernel matmulBlocked;
    /** CPU devices (PoCL) run the barrier-free blocked matmul, GPUs the local-memory tiled one (profile may force). */
    private final boolean blockedMatmul;
    private final ClKernel matvec;
    private final ClKernel rmsnorm;
    private final ClKernel rope;
    private final ClKernel attention;
    private final ClKernel swiglu;
    private final ClKernel relu;
    private final ClKernel gelu;
    private final ClKernel add;

    /**
     * Uses an open device (shared with an {@link OpenClPadKernel}, say) with the profile's sizes and matmul variant;
     * the caller closes the device.
     */
    public OpenClKernels(ClDevice device, DeviceProfile profile) {
        this(device, profile.workGroups(), profile.matmulKernel(), false);
    }

    private OpenClKernels(ClDevice device, WorkGroupSizes sizes, MatmulVariant variant, boolean ownsDevice) {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.sizes = sizes;
        checkGroupSizes(device.info(), sizes);
        var program = device.build("forward.cl", "-D TILE=" + sizes.matmulTile() + " -D WPT=" + WPT
                + " -D MATVEC_WG=" + sizes.matvec() + " -D RMS_WG=" + sizes.rmsnorm() + " -D ATT_WG=" + sizes.attention());
        this.matmul = new ClKernel(device, program, "matmul");
        this.matmulBlocked = new ClKernel(device, program, "matmul_blocked");
        this.blockedMatmul = variant == MatmulVariant.BLOCKED
                || variant == MatmulVariant.AUTO && device.info().type() == DeviceType.CPU;
        this.matvec = new ClKernel(device, program, "matvec");
        this.rmsnorm = new ClKernel(device, program, "rmsnorm");
        this.rope = new ClKernel(device, program, "rope");
        this.attention = new ClKernel(device, program, "attention");
        this.swiglu = new ClKernel(device, program, "swiglu");
        this.relu = new ClKernel(device, program, "relu");
        this.gelu = new ClKernel(device, program, "gelu");
        this.add = new ClKernel(device, program, "add");
        this.scratch = new ScratchBuffers(device, SLOTS);
        this.weights = new ResidentWeights(device);
    }

    /** Opens the profile's device; {@link #close()} closes it. */
    public static OpenClKernels open(DeviceProfile profile) {
        ClDevice device = ClDevice.open(profile.device());
        try {
            return new OpenClKernels(device, profile.workGroups(), profile.matmulKernel(), true);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static void checkGroupSizes(ClDeviceInfo info, WorkGroupSizes s) {
        int tileItems = s.matmulTile() * s.matmulTile() / WPT;
        int[] items = {tileItems, s.matvec(), s.rmsnorm(), s.attention(), s.elementwise(), s.pad()};
        String[] names = {"matmul (tile² / " + WPT + ")", "matvec", "rmsnorm", "attention", "elementwise", "pad"};
        for (int i = 0; i < items.length; i++) {
            if (items[i] > info.maxWorkGroupSize()) {
                throw new OpenClException("work-group size " + items[i] + " for " + names[i] + " exceeds the maximum "
                        + info.maxWorkGroupSize() + " of " + info.describe() + "; lower it in the device profile");
            }
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String device() {
        return device.info().describe();
    }

    public ClDevice clDevice() {
        return device;
    }

    /**
     * Makes calls that pass {@code key} as a weight read {@code tensor} (F32, same element count) instead of
     * uploading the array: a tensor padded on the device feeds the forward pass without a host round trip. The
     * array's contents are never read. The tensor must stay open while bound.
     */
    public void bindWeight(float[] key, DeviceTensor tensor) {
        if (tensor.dtype() != DType.F32 || tensor.size() != key.length) {
            throw new IllegalArgumentException("cannot bind " + tensor + " to a weight of " + key.length
                    + " floats: needs F32 and the same element count");
        }
        if (tensor.device() != device) {
            throw new IllegalArgumentException("device tensor " + tensor + " lives on another ClDevice");
        }
        weights.bind(key, tensor);
    }

    /** Number of weights currently held on the device. */
    public int residentWeightCount() {
        return weights.count();
    }

    /** Frees every weight uploaded so far (for instance when switching to a grown model). */
    public void releaseWeights() {
        weights.release();
    }

    @Override
    public void matvec(float[] w, float[] x, float[] out, int rows, int cols) {
        checkLength("matvec", "w", w, (long) rows * cols);
        checkLength("matvec", "x", x, cols);
        checkLength("matvec", "out", out, rows);
        if (rows == 0) {
            return;
        }
        cl_mem wm = weights.get(w, "matvec");
        cl_mem xm = scratch.upload(0, x, cols, "matvec x");
        cl_mem om = scratch.get(1, (long) rows * Float.BYTES, "matvec out");
        matvec.args(wm, xm, om, rows, cols).launch(new long[] {(long) rows * sizes.matvec()}, new long[] {sizes.matvec()});
        readBack(om, out, rows);
    }

    @Override
    public void matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        checkLength("matmul", "a", a, (long) m * k);
        checkLength("matmul", "b", b, (long) n * k);
        checkLength("matmul", "c", c, (long) m * n);
        if (m == 0 || n == 0) {
            return;
        }
        int tile = sizes.matmulTile();
        cl_mem bm = weights.get(b, "matmul");
        cl_mem am = scratch.upload(0, a, m * k, "matmul a");
        cl_mem cm = scratch.get(1, (long) m * n * Float.BYTES, "matmul c");
        if (blockedMatmul) {
            matmulBlocked.args(am, bm, cm, m, n, k).launch(new long[] {(n + 3) / 4, (m + 1) / 2}, null);
            readBack(cm, c, m * n);
            return;
        }
        long groupsX = (n + tile - 1) / tile;
        long groupsY = (m + tile - 1) / tile;
        matmul.args(am, bm, cm, m, n, k)
                .launch(new long[] {groupsX * tile, groupsY * (tile / WPT)}, new long[] {tile, tile / WPT});
        readBack(cm, c, m * n);
    }

    @Override
    public void rmsnorm(float[] out, float[] x, float[] gain, float eps, int n) {
        checkLength("rmsnorm", "x", x, n);
        checkLength("rmsnorm", "gain", gain, n);
        checkLength("rmsnorm", "out", out, n);
        cl_mem gm = weights.get(gain, "rmsnorm gain");
        cl_mem xm = scratch.upload(0, x, n, "rmsnorm x");
        cl_mem om = scratch.get(1, (long) n * Float.BYTES, "rmsnorm out");
        rmsnorm.args(om, xm, gm, eps, n).launch(new long[] {sizes.rmsnorm()}, new long[] {sizes.rmsnorm()});
        readBack(om, out, n);
    }

    @Override
    public void rope(float[] vec, int heads, int headSize, int position, RopeFrequencies frequencies,
                     RopeLayout layout) {
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("rope needs an even head size, got " + headSize);
        }
        checkLength("rope", "vec", vec, (long) heads * headSize);
        float[][] table = RopeTables.cosSin(frequencies, position);
        cl_mem vm = scratch.upload(0, vec, heads * headSize, "rope vec");
        cl_mem cm = scratch.upload(1, table[0], headSize / 2, "rope cosines");
        cl_mem sm = scratch.upload(2, table[1], headSize / 2, "rope sines");
        rope.args(vm, cm, sm, heads, headSize, layout == RopeLayout.HALF_SPLIT ? 1 : 0)
                .launch(new long[] {(long) heads * (headSize / 2)}, elementwiseGroup((long) heads * (headSize / 2)));
        readBack(vm, vec, heads * headSize);
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int position,
                          int queryHeads, int kvHeads, int keySize, int valueSize) {
        if (kvHeads <= 0 || queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: " + queryHeads + " query heads cannot share " + kvHeads
                    + " kv heads evenly");
        }
        int len = position + 1;
        checkLength("attention", "q", q, (long) queryHeads * keySize);
        checkLength("attention", "keys", keys, (long) len * kvHeads * keySize);
        checkLength("attention", "values", values, (long) len * kvHeads * valueSize);
        checkLength("attention", "out", out, (long) queryHeads * valueSize);
        // Only the cached positions 0..position are read, so only they travel.
        cl_mem qm = scratch.upload(0, q, queryHeads * keySize, "attention q");
        cl_mem km = scratch.upload(1, keys, len * kvHeads * keySize, "attention keys");
        cl_mem vm = scratch.upload(2, values, len * kvHeads * valueSize, "attention values");
        cl_mem om = scratch.get(3, (long) queryHeads * valueSize * Float.BYTES, "attention out");
        cl_mem sm = scratch.get(4, (long) queryHeads * len * Float.BYTES, "attention scores");
        float scale = (float) (1.0 / Math.sqrt(keySize));
        int wg = sizes.attention();
        attention.args(qm, km, vm, om, sm, position, queryHeads, kvHeads, keySize, valueSize, scale)
                .launch(new long[] {(long) queryHeads * wg}, new long[] {wg});
        readBack(om, out, queryHeads * valueSize);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        checkLength("swiglu", "gate", gate, n);
        checkLength("swiglu", "up", up, n);
        cl_mem gm = scratch.upload(0, gate, n, "swiglu gate");
        cl_mem um = scratch.upload(1, up, n, "swiglu up");
        swiglu.args(gm, um, n).launch(new long[] {n}, elementwiseGroup(n));
        readBack(gm, gate, n);
    }

    @Override
    public void relu(float[] x, int n) {
        unary(relu, "relu", x, n);
    }

    @Override
    public void gelu(float[] x, int n) {
        unary(gelu, "gelu", x, n);
    }

    @Override
    public void add(float[] y, float[] x, int n) {
        checkLength("add", "y", y, n);
        checkLength("add", "x", x, n);
        cl_mem ym = scratch.upload(0, y, n, "add y");
        cl_mem xm = scratch.upload(1, x, n, "add x");
        add.args(ym, xm, n).launch(new long[] {n}, elementwiseGroup(n));
        readBack(ym, y, n);
    }

    private void unary(ClKernel kernel, String name, float[] x, int n) {
        checkLength(name, "x", x, n);
        cl_mem xm = scratch.upload(0, x, n, name + " x");
        kernel.args(xm, n).launch(new long[] {n}, elementwiseGroup(n));
        readBack(xm, x, n);
    }

    /** The profile's group size, or OpenCL's choice when the range is smaller than one group. */
    private long[] elementwiseGroup(long n) {
        return n >= sizes.elementwise() ? new long[] {sizes.elementwise()} : null;
    }

    private void readBack(cl_mem buffer, float[] host, int count) {
        if (count > 0) {
            device.read(buffer, 0, (long) count * Float.BYTES, Pointer.to(host));
        }
    }

    private static void checkLength(String kernel, String arg, float[] array, long needed) {
        if (array.length < needed) {
            throw new IllegalArgumentException(kernel + ": " + arg + " has " + array.length + " floats, needs "
                    + needed);
        }
    }

    @Override
    public void close() {
        weights.close();
        scratch.close();
        for (ClKernel k : new ClKernel[] {matmul, matmulBlocked, matvec, rmsnorm, rope, attention, swiglu, relu, gelu, add}) {
            k.release();
        }
        if (ownsDevice) {
            device.close();
        }
    }
}
