package io.grow4j.kernels.aparapi;

/** An Aparapi kernel left the OpenCL device and the device profile's fallback policy is {@code fail}. */
public final class AparapiFallbackException extends RuntimeException {
    public AparapiFallbackException(String message) {
        super(message);
    }
}
