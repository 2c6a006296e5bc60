package io.grow4j.bench.jmh;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * matmul and matvec per backend under JMH. Run with
 * {@code java -cp bench/target/classes:<deps> org.openjdk.jmh.Main MatmulBenchmark -p backend=cpu,opencl}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    @Param({"cpu", "opencl", "aparapi"})
    public String backend;

    @Param({"512"})
    public int size;

    private KernelBackend kernels;
    private float[] a;
    private float[] b;
    private float[] c;
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = Backends.create(backend, DeviceProfile.DEFAULT);
        SplittableRandom random = new SplittableRandom(1);
        a = random(random, size * size);
        b = random(random, size * size);
        c = new float[size * size];
        x = random(random, size);
        y = new float[size];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        kernels.close();
    }

    @Benchmark
    public float[] matmul() {
        kernels.matmul(a, b, c, size, size, size);
        return c;
    }

    @Benchmark
    public float[] matvec() {
        kernels.matvec(b, x, y, size, size);
        return y;
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return out;
    }
}
