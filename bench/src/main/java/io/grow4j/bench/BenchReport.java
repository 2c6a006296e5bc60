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
    /** How ForwardBench names a BF16 model in a row's shape. */
    private static final String BF16 = " bf16 ";

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
        if (r.kernel().equals("forward-prefill-batched")) {
            return matmulRatio(r, results);
        }
        if (r.kernel().startsWith("forward-") && r.shape().contains(BF16)) {
            return f32Ratio(r, results);
        }
        String base = baselineOf(r);
        if (base.equals(r.backend())) {
            return "(baseline)";
        }
        Optional<BenchResult> b = results.stream()
                .filter(x -> x.kernel().equals(r.kernel()) && x.shape().equals(r.shape()) && x.backend().equals(base))
                .findFirst();
        return b.map(x -> String.format(Locale.ROOT, "%.2f x %s", r.throughput() / x.throughput(), base)).orElse("");
    }

    /**
     * Batched prefill is matrix–matrix products: its GFLOP/s against the same backend's matmul row of the same run,
     * "0.52 x cpu matmul".
     */
    private static String matmulRatio(BenchResult r, List<BenchResult> results) {
        return results.stream().filter(x -> x.kernel().equals("matmul") && x.backend().equals(r.backend()))
                .findFirst()
                .map(x -> String.format(Locale.ROOT, "%.2f x %s matmul", r.throughput() / x.throughput(), r.backend()))
                .orElse("");
    }

    /** A BF16 forward row against the same backend's F32 row of the same model: "1.85 x f32". */
    private static String f32Ratio(BenchResult r, List<BenchResult> results) {
        String f32 = r.shape().replace(BF16, " f32 ");
        return results.stream()
                .filter(x -> x.kernel().equals(r.kernel()) && x.shape().equals(f32) && x.backend().equals(r.backend()))
                .findFirst()
                .map(x -> String.format(Locale.ROOT, "%.2f x f32", r.throughput() / x.throughput()))
                .orElse("");
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
