package io.grow4j.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results as a table, each row with its ratio to the baseline measured in the same run: OpenBLAS for matmul, the
 * memory copy for pad, the device's buffer copy for device-resident pad, and the cpu backend for everything else.
 * Decoding rows also show their effective weight bandwidth as a fraction of the same run's read bandwidth.
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
                    r.backend(), r.seconds(), r.throughput(), r.unit(), ratio(r, results) + weights(r)));
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

    /** "; weights 9.1 GB/s = 0.71 x read" for decoding rows that carry their weight bandwidth, else "". */
    static String weights(BenchResult r) {
        if (r.weightGbps() == null) {
            return "";
        }
        String of = r.ofReadBandwidth() == null ? ""
                : String.format(Locale.ROOT, " = %.2f x read", r.ofReadBandwidth());
        return String.format(Locale.ROOT, "; weights %.2f GB/s", r.weightGbps()) + of;
    }

    private static String baselineOf(BenchResult r) {
        return switch (r.kernel()) {
            case "matmul" -> "openblas";
            case "pad" -> "memcpy";
            case "pad-resident" -> "device-copy";
            case "read" -> "sum";
            default -> "cpu";
        };
    }
}
