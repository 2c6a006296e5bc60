package io.grow4j.bench;

import io.grow4j.kernels.opencl.DeviceTensor;
import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Padding an f32 matrix into a wider one (an MLP or hidden expansion: old columns copied, new ones from the seeded
 * uniform fill) and, as the baseline, a plain copy of the same number of bytes (MemorySegment.copy). Bandwidth is the
 * new tensor's bytes over the time, for both, so the ratio reads as "fraction of memory-copy speed".
 */
public final class PadBench {
    private final BenchShapes shapes;
    private final Timer timer;
    private Tensor src;
    private Tensor dst;

    public PadBench(BenchShapes shapes, Timer timer) {
        this.shapes = shapes;
        this.timer = timer;
    }

    public String shape() {
        return "f32 " + shapes.padRows() + "x" + shapes.padOldCols() + " -> " + shapes.padRows() + "x"
                + shapes.padNewCols() + " (" + (shapes.padBytes() >> 20) + " MiB)";
    }

    public PadSpec spec() {
        long rows = shapes.padRows();
        return new PadSpec(new long[] {rows, shapes.padOldCols()}, new long[] {rows, shapes.padNewCols()},
                new int[][] {PadSpec.identity((int) rows), PadSpec.prefix((int) shapes.padOldCols(), (int) shapes.padNewCols())},
                1.0, new Fill.Uniform(42, 0.02));
    }

    private void allocate() {
        if (src == null) {
            src = Tensor.allocate(DType.F32, shapes.padRows(), shapes.padOldCols());
            for (long i = 0; i < src.size(); i += 4097) {
                src.set(i, i * 1e-6);
            }
            dst = Tensor.allocate(DType.F32, shapes.padRows(), shapes.padNewCols());
        }
    }

    /** The memory-copy baseline: the new tensor's bytes copied once. */
    public BenchResult copyBaseline() {
        allocate();
        Tensor other = Tensor.allocate(DType.F32, shapes.padRows(), shapes.padNewCols());
        double seconds = timer.median(() -> MemorySegment.copy(dst.data(), 0, other.data(), 0, dst.byteSize()));
        return BenchResult.memory("pad", shape(), "memcpy", "host memory (MemorySegment.copy)", seconds,
                shapes.padBytes());
    }

    /** Host tensors in and out (for OpenCL that includes the transfers). */
    public BenchResult host(PadKernel kernel, String device) {
        allocate();
        PadSpec spec = spec();
        double seconds = timer.median(() -> kernel.pad(src, dst, spec));
        return BenchResult.memory("pad", shape(), kernel.name(), device, seconds, shapes.padBytes());
    }

    /**
     * Tensors already on the device, as when a plan runs there: the kernel alone (with the allocation of its output),
     * and the device's own buffer copy of the same bytes as that baseline.
     */
    public List<BenchResult> resident(OpenClPadKernel kernel) {
        allocate();
        PadSpec spec = spec();
        List<BenchResult> out = new ArrayList<>();
        try (DeviceTensor onDevice = kernel.upload(src)) {
            double seconds = timer.median(() -> kernel.pad(onDevice, spec, DType.F32).close());
            out.add(BenchResult.memory("pad-resident", shape(), kernel.name(), kernel.device().info().describe(),
                    seconds, shapes.padBytes()));
        }
        try (DeviceTensor padded = kernel.pad(null, spec, DType.F32)) {
            double seconds = timer.median(() -> padded.duplicate().close());
            out.add(BenchResult.memory("pad-resident", shape(), "device-copy", kernel.device().info().describe(),
                    seconds, shapes.padBytes()));
        }
        return out;
    }
}
