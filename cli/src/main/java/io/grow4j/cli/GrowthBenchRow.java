package io.grow4j.cli;

/**
 * One model size of the growth benchmark. Times are seconds; a NaN time means the measurement was skipped (the
 * model did not fit in memory for the in-memory path).
 *
 * @param params          parameters before growth
 * @param grownParams     parameters after growth
 * @param inputBytes      bytes of the source checkpoint's safetensors files
 * @param outputBytes     bytes of the grown checkpoint's safetensors files (what cp copies)
 * @param streamSeconds   streamed growth, directory to directory
 * @param cpSeconds       {@code cp -r} of the grown directory: the file floor
 * @param memorySeconds   in-memory growth of the loaded model (reading and writing not included)
 * @param memcpySeconds   one memory copy of the grown model's bytes into memory touched beforehand: the in-memory
 *                        floor the issue names
 * @param freshSeconds    the same copy into memory allocated (as growth allocates its new tensors) in the timed
 *                        interval: what first-touch page faults add, which growth cannot avoid for new tensors
 */
record GrowthBenchRow(long params, long grownParams, long inputBytes, long outputBytes, double streamSeconds,
                      double cpSeconds, double memorySeconds, double memcpySeconds, double freshSeconds) {

    double streamGbPerSecond() {
        return outputBytes / 1e9 / streamSeconds;
    }

    double cpGbPerSecond() {
        return outputBytes / 1e9 / cpSeconds;
    }

    /** Streamed throughput as a share of cp's on the same bytes (the target: at least 0.7). */
    double streamShareOfCp() {
        return cpSeconds / streamSeconds;
    }

    double memoryGbPerSecond() {
        return outputBytes / 1e9 / memorySeconds;
    }

    /** In-memory growth time over the time to copy the grown bytes once (the target: at most 1.5). */
    double memoryOverMemcpy() {
        return memorySeconds / memcpySeconds;
    }

    /** In-memory growth time over a copy into freshly allocated memory. */
    double memoryOverFresh() {
        return memorySeconds / freshSeconds;
    }
}
