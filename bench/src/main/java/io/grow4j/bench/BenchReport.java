package io.grow4j.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results as a table, each row with its ratio to the baseline measured in the same run: OpenBLAS for matmul, the
 * memory copy for pad, the device's buffer copy for device-resident pad, and the cpu backend for everything else.
 */
public final class BenchReport {
    private BenchReport() {
    }

    public static String table(List<BenchResult> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-16s %-52s %-15s %12s %14s %-9s %s%n", "kernel", "shape", "backend",
                "seconds", "throughput", "unit", "vs baseline"));
        for (BenchResult r : results) {
            out.append(String.format(Locale.ROOT, "%-16s %-52s %-15s %12.6f %14.2f %-9s %s%n", r.kernel(), r.shape(),
                    r.backend(), r.seconds(), r.throughput(), r.unit(), ratio(r, results)));
        }
        return out.toString();
    }

    /** "0.62 × openblas", or "" for a baseline itself or when the baseline is missing. */
    static String ratio(BenchResult r, List<BenchResult> results) {
        String base = baselineOf(r);
        if (base.equals(r.backend())) {
            return "(baseline)";
        }
        Optional<BenchResult> b = results.stream()
                .filter(x -> x.kernel().equals(r.kernel()) && x.shape().equals(r.shape()) && x.backend().equals(base))
                .findFirst();
        return b.map(x -> String.format(Locale.ROOT, "%.2f x %s", r.throughput() / x.throughput(), base)).orElse("");
    }

    private static String baselineOf(BenchResult r) {
        return switch (r.kernel()) {
            case "matmul" -> "openblas";
            case "pad" -> "memcpy";
            case "pad-resident" -> "device-copy";
            default -> "cpu";
        };
    }
}
