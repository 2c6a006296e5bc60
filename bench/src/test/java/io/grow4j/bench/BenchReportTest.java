package io.grow4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ratios pair each result with its same-shape baseline; JSON keeps the fields the issue names. No timings asserted. */
class BenchReportTest {
    private final List<BenchResult> results = List.of(
            BenchResult.compute("matmul", "8x8x8", "openblas", "blas", 1.0, 4e9),
            BenchResult.compute("matmul", "8x8x8", "opencl", "pocl", 2.0, 4e9),
            BenchResult.memory("pad", "1 MiB", "memcpy", "host", 1.0, 1e9),
            BenchResult.memory("pad", "1 MiB", "cpu", "host", 4.0, 1e9),
            BenchResult.compute("matvec", "8x8", "aparapi", "pocl", 1.0, 1e9));

    @Test
    void ratiosAgainstTheSameRunsBaselines() {
        assertEquals("(baseline)", BenchReport.ratio(results.get(0), results));
        assertEquals("0.50 x openblas", BenchReport.ratio(results.get(1), results));
        assertEquals("0.25 x memcpy", BenchReport.ratio(results.get(3), results));
        assertEquals("", BenchReport.ratio(results.get(4), results), "no cpu result, no ratio");
        assertTrue(BenchReport.table(results).contains("0.50 x openblas"));
    }

    @Test
    void jsonRoundTrip(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bench.json");
        BenchJson.write(results, file);
        assertEquals(results, BenchJson.read(file));
        String text = java.nio.file.Files.readString(file);
        assertTrue(text.contains("\"gflops\"") && text.contains("\"gbps\"") && !text.contains("tokensPerSecond"), text);
    }
}
