package io.grow4j.cli;

import io.grow4j.bench.DecodeBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grow4j bench decode}: issue #10's decode and prefill ratios, each taken in rounds that interleave the
 * subject and its baseline (read bandwidth, f32 and bf16 decoding, cpu matmul, batched prefill) per thread count.
 */
@Command(name = "decode", description = {"Decode and prefill of the random 110 M Llama against the same run's"
        + " read bandwidth and cpu matmul, interleaved in rounds per thread count (the medians of each round's ratios"
        + " are the figures to quote on a shared machine)."})
final class DecodeBenchCommand implements Callable<Integer> {
    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5", description = "rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", paramLabel = "T", split = ",",
            description = "thread counts, each measured every round (default: 1 and every core)")
    List<Integer> threads;

    @Option(names = "--spin-us", paramLabel = "US", split = ",", defaultValue = "20",
            description = "how long idle threads spin before parking, microseconds; each thread count above one is"
                    + " measured once per value in every round (default: ${DEFAULT-VALUE})")
    List<Long> spinMicros;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> counts = threads != null ? threads : cores == 1 ? List.of(1) : List.of(1, cores);
        if (rounds < 1 || counts.stream().anyMatch(t -> t < 1) || spinMicros.stream().anyMatch(s -> s < 0)) {
            throw new IllegalArgumentException("--rounds and --threads must be >= 1 and --spin-us >= 0, got " + rounds
                    + ", " + counts + " and " + spinMicros);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("load average at start: " + loadAverage());
        out.flush();
        List<DecodeBench.Round> result = new DecodeBench(1L << 30, new PrintStream(System.out, true))
                .run(rounds, counts.stream().mapToInt(Integer::intValue).toArray(),
                        spinMicros.stream().mapToLong(Long::longValue).toArray());
        out.print(DecodeBench.summary(result));
        out.println("load average at end: " + loadAverage());
        out.flush();
        return Grow4j.OK;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "(unknown)";
        }
    }
}
