package io.grow4j.kernels.device;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.aparapi.AparapiKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.opencl.OpenClException;
import io.grow4j.kernels.opencl.OpenClKernels;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/** Creates kernel backends by id, on the device and with the work-group sizes a {@link DeviceProfile} names. */
public final class Backends {
    /** Every backend id, in no particular order. */
    public static final List<String> KNOWN = List.of("opencl", "aparapi", "cpu", "scalar");

    private static final Logger LOG = Logger.getLogger(Backends.class.getName());

    private Backends() {
    }

    /**
     * The backend {@code name} (opencl, aparapi, cpu, scalar). OpenCL problems (no platform, no such device, a kernel
     * that does not build, a work-group size the device cannot run) throw {@link OpenClException} with the reason.
     */
    public static KernelBackend create(String name, DeviceProfile profile) {
        return switch (name) {
            case "opencl" -> OpenClKernels.open(profile);
            case "aparapi" -> new AparapiKernels(profile);
            case "cpu" -> new CpuKernels();
            case "scalar" -> new ScalarKernels();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (known: " + KNOWN + ")");
        };
    }

    /**
     * The first backend of the profile's order that starts. Skipping one that cannot start is itself a fallback, so it
     * follows the profile's policy: FAIL throws the first backend's error, WARN logs each skip with its reason.
     */
    public static KernelBackend createFirst(DeviceProfile profile) {
        List<String> failures = new ArrayList<>();
        for (String name : profile.backends()) {
            try {
                return create(name, profile);
            } catch (OpenClException | LinkageError e) {
                if (profile.fallback() == FallbackPolicy.FAIL) {
                    throw new OpenClException("backend " + name + " (first in profile " + profile.name()
                            + ") cannot start and the fallback policy is fail: " + e.getMessage(), e);
                }
                LOG.warning("backend " + name + " cannot start, trying the next in profile " + profile.name() + ": "
                        + e.getMessage());
                failures.add(name + ": " + e.getMessage());
            }
        }
        throw new OpenClException("no backend of profile " + profile.name() + " could start: " + failures);
    }
}
