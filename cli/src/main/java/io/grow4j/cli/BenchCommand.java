package io.grow4j.cli;

import io.grow4j.bench.BenchJson;
import io.grow4j.bench.BenchReport;
import io.grow4j.bench.BenchRunner;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grow4j bench}: kernel throughput per backend beside baselines measured in the same run (OpenBLAS sgemm for
 * matmul, a memory copy for pad), as a table with ratios and optionally as JSON.
 */
@Command(name = "bench", description = "Benchmark the kernels (matmul, matvec, attention, pad, forward) per backend, "
        + "with OpenBLAS and memory-copy baselines from the same run.",
        subcommands = {GrowthBenchCommand.class, TrainingBenchCommand.class, DecodeBenchCommand.class})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--backend", paramLabel = "B", split = ",",
            description = "backends to measure (opencl, aparapi, cpu, scalar); default: cpu, opencl, aparapi")
    List<String> backends;

    @Option(names = "--quick", description = "smaller problems and shorter timing, under two minutes in all")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", 
            description = "also write the results as a JSON array (default: table only)")
    Path json;

    @Option(names = "--device-profile", paramLabel = "FILE", 
            description = "device profile (devices/*.yaml) (default: the built-in profile, the first device found)")
    Path profileFile;

    @Option(names = "--no-forward", description = "skip the forward-pass benchmark")
    boolean noForward;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        List<String> chosen = backends == null ? List.of("cpu", "opencl", "aparapi") : backends;
        for (String b : chosen) {
            if (!Backends.KNOWN.contains(b)) {
                throw new IllegalArgumentException("--backend: unknown backend '" + b + "' (known: "
                        + String.join(", ", Backends.KNOWN) + ")");
            }
        }
        DeviceProfile profile = OptionFiles.deviceProfile(profileFile);
        PrintWriter out = spec.commandLine().getOut();
        BenchRunner runner = new BenchRunner(quick, profile, !noForward, new PrintStream(System.err, true));
        runner.run(chosen);
        out.println();
        out.print(BenchReport.table(runner.results()));
        runner.skipped().forEach(s -> out.println("skipped: " + s));
        out.flush();
        return writeJson(runner, err);
    }

    private int writeJson(BenchRunner runner, PrintWriter err) {
        if (json == null) {
            return 0;
        }
        try {
            BenchJson.write(runner.results(), json);
            return 0;
        } catch (IOException e) {
            err.println("grow4j bench: error: --json " + json + " cannot be written: " + e.getMessage());
            return 2;
        }
    }
}
