package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceProfile;
import org.jocl.cl_program;

/**
 * The decoder kernels ({@code decode.cl}) built once for a device with the sizes {@link DecodeSizes} chose: build one
 * per run and pass it to every {@link DeviceForwardPass} on that device (programs live as long as the device).
 */
public final class DecodeProgram {
    private final ClDevice device;
    private final DecodeSizes sizes;
    private final cl_program program;

    private DecodeProgram(ClDevice device, DecodeSizes sizes) {
        this.device = device;
        this.sizes = sizes;
        this.program = device.build("decode.cl", sizes.buildOptions());
    }

    /** Builds the decoder for {@code device} with the profile's layout and sizes. */
    public static DecodeProgram build(ClDevice device, DeviceProfile profile) {
        return new DecodeProgram(device, DecodeSizes.of(profile, device.info()));
    }

    public ClDevice device() {
        return device;
    }

    /** "rows" (CPU devices) or "group" (GPUs), for logs and bench output. */
    public String layout() {
        return sizes.rowsLayout() ? "rows" : "group";
    }

    DecodeSizes sizes() {
        return sizes;
    }

    /** A fresh kernel object: each plan step owns one, so its arguments are set once, not per token. */
    ClKernel kernel(String name) {
        return new ClKernel(device, program, name);
    }
}
