package io.grow4j.kernels.device;

/**
 * What a backend does when a kernel cannot run on the chosen device (Aparapi drops to a Java thread pool when it
 * cannot translate a kernel). Never silent: {@code FAIL} throws, {@code WARN} logs once per kernel and continues.
 */
public enum FallbackPolicy {
    FAIL,
    WARN
}
