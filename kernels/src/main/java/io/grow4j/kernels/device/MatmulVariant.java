package io.grow4j.kernels.device;

/**
 * Which OpenCL C matmul runs: {@code TILED} stages tiles in local memory behind barriers (what GPUs want);
 * {@code BLOCKED} has no barriers and takes 8-wide dot products straight from global memory (what PoCL on a CPU
 * wants: it keeps per-item state across barriers in memory). {@code AUTO} picks BLOCKED on CPU devices.
 */
public enum MatmulVariant {
    AUTO,
    TILED,
    BLOCKED
}
