package io.grow4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decode bench's ratios are the issue's: weight bytes per token × tokens/s against the read bandwidth, bf16 over
 * f32 tokens/s, prefill over matmul GFLOP/s; the summary takes medians per clock, thread count and spin time. No
 * timings are taken here (the 110 M model is far too slow for a test).
 */
class DecodeBenchTest {

    /** 784 calls over 16 timed tokens are 49 per token; 392 ms of lag over a 1.96 s wall is 0.5 ms a call, 20 %. */
    @Test
    void waitsArePerTokenPerCallAndSharesOfTheWall() {
        io.grow4j.kernels.cpu.HandOff h = new io.grow4j.kernels.cpu.HandOff(784, 8000, 4400, 392_000_000L,
                19_600_000L, 1_800_000_000L);
        String line = DecodeBench.waits(h, 1.96);
        assertTrue(line.contains("49.0 parallel calls/token, 92% of the wall in them"), line);
        assertTrue(line.contains("worker lag 500.0 us/call (20.0% of the wall)"), line);
        assertTrue(line.contains("caller wait 25.0 us/call (1.0%)"), line);
        assertTrue(line.contains("caller ran 55% of the chunks"), line);
    }

    @Test
    void ratiosAreTheIssuesFigures() {
        DecodeBench.Round r = new DecodeBench.Round("cpu", 2, 20, 40.0, 50.0, 90.0, 200.0, 110.0, 440_000_000L);
        assertEquals(22.0, r.f32WeightGbps(), 1e-9);
        assertEquals(0.55, r.ofRead(), 1e-12);
        assertEquals(1.8, r.bf16OverF32(), 1e-12);
        assertEquals(0.55, r.prefillOverMatmul(), 1e-12);
    }

    @Test
    void summaryTakesMediansPerClockThreadsAndSpin() {
        List<DecodeBench.Round> rounds = List.of(
                round("cpu", 2, 0, 10), round("cpu", 2, 0, 30), round("cpu", 2, 0, 20),
                round("cpu", 2, 20, 99), round("wall", 2, 0, 5), round("cpu", 1, 0, 7));
        String[] lines = DecodeBench.summary(rounds).split("\n");
        assertEquals(5, lines.length, String.join("\n", lines));
        assertTrue(lines[1].matches("wall\\s+2\\s+0\\s+1\\s.*"), lines[1]);
        assertTrue(lines[2].matches("cpu\\s+2\\s+0\\s+3\\s+1\\.00\\s+20\\.00\\s.*"), lines[2]);
        assertTrue(lines[3].matches("cpu\\s+2\\s+20\\s+1\\s+1\\.00\\s+99\\.00\\s.*"), lines[3]);
        assertTrue(lines[4].matches("cpu\\s+1\\s+0\\s+1\\s+1\\.00\\s+7\\.00\\s.*"), lines[4]);
    }

    private static DecodeBench.Round round(String clock, int threads, long spin, double f32) {
        return new DecodeBench.Round(clock, threads, spin, 1.0, f32, 2 * f32, 100, 50, 1_000_000_000L);
    }
}
