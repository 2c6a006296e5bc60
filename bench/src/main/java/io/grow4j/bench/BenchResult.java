package io.grow4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One measured kernel: the median seconds per call and the throughput that matters for it (GFLOP/s for compute,
 * GB/s for memory-bound kernels; tokens/s for the forward pass). Unused figures are null and left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BenchResult(String kernel, String shape, String backend, String device, double seconds,
                          Double gflops, Double gbps, Double tokensPerSecond) {

    public static BenchResult compute(String kernel, String shape, String backend, String device, double seconds,
                                      double flops) {
        return new BenchResult(kernel, shape, backend, device, seconds, flops / seconds / 1e9, null, null);
    }

    public static BenchResult memory(String kernel, String shape, String backend, String device, double seconds,
                                     double bytes) {
        return new BenchResult(kernel, shape, backend, device, seconds, null, bytes / seconds / 1e9, null);
    }

    public static BenchResult tokens(String kernel, String shape, String backend, String device, double seconds,
                                     int tokens) {
        return new BenchResult(kernel, shape, backend, device, seconds, null, null, tokens / seconds);
    }

    /** The throughput figure, whichever applies. */
    public double throughput() {
        return gflops != null ? gflops : gbps != null ? gbps : tokensPerSecond;
    }

    public String unit() {
        return gflops != null ? "GFLOP/s" : gbps != null ? "GB/s" : "tokens/s";
    }
}
