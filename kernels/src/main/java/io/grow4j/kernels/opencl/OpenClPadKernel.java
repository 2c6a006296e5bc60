package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.jocl.cl_mem;

import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The padding recipe on an OpenCL device: one work item per element of the new tensor, old value × scale where
 * every axis maps to an old index, else the fill (an axis mean sums its old entries in the CPU's order). Results are bit-identical to {@link io.grow4j.kernels.pad.CpuPadKernel}
 * on devices with fp64 (values go through double and the seeded fill repeats SeededRandom's 64-bit arithmetic).
 * On a device without fp64, F32/F16/BF16 values go through float instead: gathers and Zero/Constant fills stay exact
 * for F32 (scale 1), but scaled values and Uniform fills may differ from the CPU in the last bit; a warning says so.
 *
 * <p>To run a whole plan on the device: {@link #upload} each tensor once, {@link #pad(DeviceTensor, PadSpec, DType)}
 * step after step (closing the inputs no longer needed), then {@link DeviceTensor#download} or hand the tensors to
 * {@link OpenClKernels#bindWeight} on the same {@link ClDevice}.
 */
public final class OpenClPadKernel implements PadKernel, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OpenClPadKernel.class.getName());

    private final ClDevice device;
    private final boolean ownsDevice;
    private final int groupSize;
    /** Columns per work item; 0 chooses by device type. */
    private final long fixedStrip;
    private final Map<String, ClKernel> kernels = new HashMap<>();

    /** Uses an open device (shared with other backends); the caller closes it. */
    public OpenClPadKernel(ClDevice device, int groupSize) {
        this(device, groupSize, 0, false);
    }

    /** With a fixed number of columns per work item, so tests cover the GPU layout (1) on a CPU device too. */
    OpenClPadKernel(ClDevice device, int groupSize, long strip) {
        this(device, groupSize, strip, false);
    }

    private OpenClPadKernel(ClDevice device, int groupSize, long strip, boolean ownsDevice) {
        this.device = device;
        this.groupSize = groupSize;
        this.fixedStrip = strip;
        this.ownsDevice = ownsDevice;
        if (!device.info().fp64()) {
            LOG.warning(() -> "OpenCL device " + device.info().describe() + " has no fp64: padding goes through "
                    + "float, so scaled values and uniform fills may differ from the CPU kernel in the last bit");
        }
    }

    /** Opens the profile's device for padding alone; {@link #close()} closes it. */
    public static OpenClPadKernel open(DeviceProfile profile) {
        return new OpenClPadKernel(ClDevice.open(profile.device()), profile.workGroups().pad(), 0, true);
    }

    @Override
    public String name() {
        return "opencl";
    }

    public ClDevice device() {
        return device;
    }

    @Override
    public void pad(Tensor src, Tensor dst, PadSpec spec) {
        if (src != null && !src.hasShape(spec.oldShape())) {
            throw new IllegalArgumentException("source shape " + Tensor.shapeString(src.shape()) + " != spec "
                    + Tensor.shapeString(spec.oldShape()));
        }
        try (DeviceTensor in = src == null ? null : upload(src);
             DeviceTensor out = pad(in, spec, dst.dtype())) {
            out.downloadInto(dst);
        }
    }

    /** A device copy of a host tensor. */
    public DeviceTensor upload(Tensor host) {
        DeviceTensor t = allocate(host.dtype(), host.shape());
        t.write(host);
        return t;
    }

    /** An uninitialised device tensor. */
    public DeviceTensor allocate(DType dtype, long... shape) {
        checkDtype(dtype);
        return new DeviceTensor(device, dtype, shape, "tensor");
    }

    /**
     * A new device tensor of shape spec.newShape and dtype {@code dtype}, padded from {@code src} (null: every entry
     * from the fill). {@code src} stays valid; close it when the plan no longer needs it.
     */
    public DeviceTensor pad(DeviceTensor src, PadSpec spec, DType dtype) {
        if (src != null && !java.util.Arrays.equals(src.shape(), spec.oldShape())) {
            throw new IllegalArgumentException("device tensor " + src + " does not have the spec's old shape "
                    + Tensor.shapeString(spec.oldShape()));
        }
        if (spec.shift() != 0.0) {
            throw new IllegalArgumentException("the OpenCL pad program scales old entries but does not shift them;"
                    + " growing (1 + w) norm gains (gemma2, gemma3) by " + spec.scale() + " needs a shift of "
                    + spec.shift() + " (grow on the cpu)");
        }
        if (src != null && src.device() != device) {
            throw new IllegalArgumentException("device tensor " + src + " lives on another ClDevice than this pad kernel");
        }
        DeviceTensor dst = allocate(dtype, spec.newShape());
        try {
            run(src, dst, spec);
        } catch (RuntimeException e) {
            dst.close();
            throw e;
        }
        return dst;
    }

    private void run(DeviceTensor src, DeviceTensor dst, PadSpec requested) {
        // without a source there are no old entries to average: zeros, as on the CPU
        PadSpec spec = src == null && requested.fill().readsSource() ? requested.withFill(Fill.ZERO) : requested;
        if (spec.newElementCount() == 0) {
            return;
        }
        PadLayout layout = PadLayout.of(spec, src != null);
        DType srcType = src == null ? dst.dtype() : src.dtype();
        ClKernel kernel = kernel(srcType, dst.dtype());
        PadLayout.MeanRows means = layout.means();
        try (ClBuffer rows = ClBuffer.of(device, layout.srcRows(), "pad row table");
             ClBuffer cols = ClBuffer.of(device, layout.colMap(), "pad column map");
             ClBuffer meanRows = ClBuffer.of(device, means.startRows(), "pad mean row table");
             ClBuffer placeholder = ClBuffer.empty(device, "pad placeholder source")) {
            cl_mem in = src == null ? placeholder.mem() : src.buffer();
            boolean fp64 = device.info().fp64();
            long strip = strip(layout.cols());
            long items = (layout.cols() + strip - 1) / strip;
            long[] local = items >= groupSize ? new long[] {groupSize, 1} : null;
            kernel.args(in, dst.buffer(), rows.mem(), cols.mem(), layout.cols(), layout.oldCols(),
                    real(spec.scale(), fp64), fillKind(spec.fill()), fillSeed(spec.fill()),
                    real(fillParam(spec.fill()), fp64), strip, meanRows.mem(), means.step(), means.count(),
                    means.lastAxis() ? 1 : 0);
            kernel.launch(new long[] {items, layout.rows()}, local);
            device.finish("pad " + srcType + Tensor.shapeString(spec.oldShape()) + " -> " + dst);
        }
    }

    /**
     * Columns per work item: 1 on GPUs; 256 on CPU devices, where PoCL's cost per item and per group would otherwise
     * dominate a kernel this light (measured: 2.2x faster at 32 MiB).
     */
    private long strip(long cols) {
        if (fixedStrip > 0) {
            return fixedStrip;
        }
        if (device.info().type() != io.grow4j.kernels.device.DeviceType.CPU) {
            return 1;
        }
        return Math.max(1, Math.min(cols, 256));
    }

    private static Object real(double value, boolean fp64) {
        return fp64 ? (Object) value : (Object) (float) value;
    }

    private static int fillKind(Fill fill) {
        return switch (fill) {
            case Fill.Zero z -> 0;
            case Fill.Constant c -> 1;
            case Fill.Uniform u -> 2;
            case Fill.AxisMean m -> 3;
        };
    }

    private static long fillSeed(Fill fill) {
        return fill instanceof Fill.Uniform u ? u.seed() : 0L;
    }

    private static double fillParam(Fill fill) {
        return switch (fill) {
            case Fill.Zero z -> 0.0;
            case Fill.Constant c -> c.value();
            case Fill.Uniform u -> u.halfWidth();
            case Fill.AxisMean m -> 0.0;
        };
    }

    private void checkDtype(DType dtype) {
        if (dtype == DType.F64 && !device.info().fp64()) {
            throw new OpenClException("F64 tensors need fp64, which OpenCL device " + device.info().describe()
                    + " lacks");
        }
    }

    /** One program per (source, destination) dtype pair, built on first use. */
    private ClKernel kernel(DType srcType, DType dstType) {
        String key = srcType + "->" + dstType;
        ClKernel k = kernels.get(key);
        if (k == null) {
            String options = "-D SRC_" + srcType + " -D DST_" + dstType + (device.info().fp64() ? "" : " -D NO_FP64");
            k = new ClKernel(device, device.build("pad.cl", options), "pad");
            kernels.put(key, k);
        }
        return k;
    }

    @Override
    public void close() {
        kernels.values().forEach(ClKernel::release);
        kernels.clear();
        if (ownsDevice) {
            device.close();
        }
    }
}
