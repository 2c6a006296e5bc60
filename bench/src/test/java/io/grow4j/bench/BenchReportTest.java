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

    /** Batched prefill against the same backend's matmul; a BF16 forward row against its F32 twin. */
    @Test
    void forwardRowsAgainstMatmulAndF32() {
        List<BenchResult> forward = List.of(
                BenchResult.compute("matmul", "8x8x8", "cpu", "java", 1.0, 200e9),
                BenchResult.compute("matmul", "8x8x8", "opencl", "pocl", 1.0, 50e9),
                new BenchResult("forward-prefill-batched", "Llama 5M f32 (h256, 4L) 32 positions", "cpu", "java", 1.0,
                        50.0, null, 32.0),
                BenchResult.tokens("forward-decode", "Llama 5M f32 (h256, 4L) decode 16 at 32", "cpu", "java", 1.0, 40),
                BenchResult.tokens("forward-decode", "Llama 5M bf16 (h256, 4L) decode 16 at 32", "cpu", "java", 1.0,
                        70));
        assertEquals("0.25 x cpu matmul", BenchReport.ratio(forward.get(2), forward));
        assertEquals("(baseline)", BenchReport.ratio(forward.get(3), forward));
        assertEquals("1.75 x f32", BenchReport.ratio(forward.get(4), forward));
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
