package io.grow4j.bench;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the kernel benchmarks on each requested backend and the baselines beside them in the same process: OpenBLAS
 * sgemm for matmul, a memory copy for pad (host memory, and the device's own buffer copy for device-resident pads),
 * the read bandwidth for decoding (which reads every weight once per token).
 * A backend that cannot start, or a baseline that cannot run, is reported with its reason and skipped.
 */
public final class BenchRunner {
    private final BenchShapes shapes;
    private final Timer timer;
    private final DeviceProfile profile;
    private final boolean forward;
    /** One random model for every backend; median of 3 passes (the machines these run on are shared). */
    private final ForwardBench forwardBench;
    /** The same model's shapes with BF16 weights, on the cpu backend. */
    private final ForwardBench bf16Bench;
    private final PrintStream log;
    private final List<BenchResult> results = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    /** The same run's read bandwidth, GB/s, that decoding rows are compared with; NaN until measured. */
    private double readGbps = Double.NaN;

    public BenchRunner(boolean quick, DeviceProfile profile, boolean forward, PrintStream log) {
        this.shapes = quick ? BenchShapes.QUICK : BenchShapes.FULL;
        this.timer = quick ? Timer.QUICK : Timer.FULL;
        this.profile = profile;
        this.forward = forward;
        this.forwardBench = new ForwardBench(shapes.forward(), 3);
        this.bf16Bench = new ForwardBench(shapes.forward(), 3, DType.BF16);
        this.log = log;
    }

    public List<BenchResult> results() {
        return List.copyOf(results);
    }

    /** Why a backend or baseline did not run, one line each. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    public void run(List<String> backends) {
        baselines();
        for (String name : backends) {
            backend(name);
        }
    }

    private void baselines() {
        log.println("baseline: OpenBLAS sgemm " + shapes.matmul() + "^3");
        OpenBlasBaseline.Outcome blas = new OpenBlasBaseline().matmul(shapes.matmul(), timer.minRuns() * 4);
        if (blas.result() != null) {
            add(blas.result());
        } else {
            skip("openblas matmul baseline: " + blas.skipped());
        }
        log.println("baseline: memory copy of " + (shapes.padBytes() >> 20) + " MiB");
        add(new PadBench(shapes, timer).copyBaseline());
        int cores = Runtime.getRuntime().availableProcessors();
        log.println("baseline: read bandwidth, vectorised sum over " + (shapes.readBytes() >> 20) + " MiB on "
                + cores + " threads");
        BenchResult read = new ReadBandwidth(shapes.readBytes(), cores).measure(timer);
        readGbps = read.gbps();
        add(read);
    }

    private void backend(String name) {
        log.println("backend " + name + ": starting");
        try (KernelBackend backend = Backends.create(name, profile)) {
            log.println("backend " + name + " on " + backend.device());
            KernelBench kernels = new KernelBench(shapes, timer);
            add(kernels.matmul(backend));
            add(kernels.matvec(backend));
            add(kernels.attention(backend));
            pad(name, backend.device());
            if (forward) {
                forwardBench.run(backend).forEach(r -> addForward(r, forwardBench));
                add(forwardBench.batchedPrefill(backend));
                if (name.equals("opencl")) {
                    forwardBench.runResident(profile).forEach(r -> addForward(r, forwardBench));
                }
                if (name.equals("cpu")) {
                    // BF16 halves the bytes a decoding step reads; only the cpu backend reads it in place.
                    bf16Bench.run(backend).forEach(r -> addForward(r, bf16Bench));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            skip("backend " + name + ": " + e.getMessage());
        }
    }

    private void pad(String name, String device) {
        PadBench pad = new PadBench(shapes, timer);
        switch (name) {
            case "cpu" -> add(pad.host(new CpuPadKernel(), "Java threads (CpuPadKernel)"));
            case "opencl" -> {
                try (OpenClPadKernel kernel = OpenClPadKernel.open(profile)) {
                    add(pad.host(kernel, device + ", host tensors in and out"));
                    pad.resident(kernel).forEach(this::add);
                }
            }
            default -> log.println("  (no pad kernel in backend " + name + ")");
        }
    }

    private void add(BenchResult r) {
        results.add(r);
        log.printf("  %-16s %-52s %-15s %10.6f s  %10.2f %s%n", r.kernel(), r.shape(), r.backend(), r.seconds(),
                r.throughput(), r.unit());
    }

    /** Decoding rows get their effective weight bandwidth against the same run's read bandwidth. */
    private void addForward(BenchResult r, ForwardBench bench) {
        add(r.kernel().equals("forward-decode") ? r.withWeightBandwidth(bench.weightBytesPerToken(), readGbps) : r);
    }

    private void skip(String reason) {
        skipped.add(reason);
        log.println("  skipped: " + reason);
    }
}
