package io.grow4j.kernels.opencl;

/**
 * An OpenCL failure that a user can act on: no platform, no such device, a kernel that does not build (with the
 * build log), a buffer the device cannot hold. Always names the kernel or buffer and the device.
 */
public final class OpenClException extends RuntimeException {
    public OpenClException(String message) {
        super(message);
    }

    public OpenClException(String message, Throwable cause) {
        super(message, cause);
    }
}
