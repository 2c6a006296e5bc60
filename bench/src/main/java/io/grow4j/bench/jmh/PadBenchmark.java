package io.grow4j.bench.jmh;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadKernel;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/** Padding a 1024 × 3072 f32 matrix to 1024 × 4096 (16 MiB out), against a copy of the same bytes. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PadBenchmark {
    @Param({"cpu", "opencl"})
    public String kernel;

    private PadKernel pad;
    private Tensor src;
    private Tensor dst;
    private Tensor copy;
    private PadSpec spec;

    @Setup(Level.Trial)
    public void setUp() {
        pad = kernel.equals("opencl") ? OpenClPadKernel.open(DeviceProfile.DEFAULT) : new CpuPadKernel();
        src = Tensor.allocate(DType.F32, 1024, 3072);
        dst = Tensor.allocate(DType.F32, 1024, 4096);
        copy = Tensor.allocate(DType.F32, 1024, 4096);
        spec = new PadSpec(src.shape(), dst.shape(), new int[][] {PadSpec.identity(1024), PadSpec.prefix(3072, 4096)},
                1.0, new Fill.Uniform(7, 0.02));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (pad instanceof OpenClPadKernel p) {
            p.close();
        }
    }

    @Benchmark
    public Tensor pad() {
        pad.pad(src, dst, spec);
        return dst;
    }

    @Benchmark
    public Tensor memoryCopy() {
        MemorySegment.copy(dst.data(), 0, copy.data(), 0, dst.byteSize());
        return copy;
    }
}
