package io.grow4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One measured kernel: the median seconds per call and the throughput that matters for it (GFLOP/s for compute,
 * GB/s for memory-bound kernels; tokens/s for the forward pass). Decoding rows may also carry their effective weight
 * bandwidth ({@code weightGbps}: weight bytes read per token × tokens/s, GB/s) and its fraction of the same run's
 * read bandwidth ({@code ofReadBandwidth}). Unused figures are null and left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BenchResult(String kernel, String shape, String backend, String device, double seconds,
                          Double gflops, Double gbps, Double tokensPerSecond, Double weightGbps,
                          Double ofReadBandwidth) {

    public BenchResult(String kernel, String shape, String backend, String device, double seconds, Double gflops,
                       Double gbps, Double tokensPerSecond) {
        this(kernel, shape, backend, device, seconds, gflops, gbps, tokensPerSecond, null, null);
    }

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

    /**
     * This token-rate result with its effective weight bandwidth: {@code bytesPerToken} × tokens/s, and that as a
     * fraction of {@code readGbps} (NaN read bandwidth, when it was not measured, leaves the fraction out).
     */
    public BenchResult withWeightBandwidth(long bytesPerToken, double readGbps) {
        if (tokensPerSecond == null) {
            throw new IllegalStateException(kernel + " " + shape + " has no token rate");
        }
        double weights = bytesPerToken * tokensPerSecond / 1e9;
        return new BenchResult(kernel, shape, backend, device, seconds, gflops, gbps, tokensPerSecond, weights,
                Double.isNaN(readGbps) ? null : weights / readGbps);
    }
}
