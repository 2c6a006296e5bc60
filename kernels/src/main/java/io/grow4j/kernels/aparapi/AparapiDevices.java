package io.grow4j.kernels.aparapi;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;
import io.grow4j.kernels.device.DeviceChoice;
import io.grow4j.kernels.device.DeviceType;
import io.grow4j.kernels.opencl.OpenClException;

import java.util.ArrayList;
import java.util.List;

/** Finds the Aparapi device a {@link DeviceChoice} names, with the same platform/type/index rule as the JOCL backend. */
final class AparapiDevices {
    private AparapiDevices() {
    }

    static OpenCLDevice select(DeviceChoice choice) {
        List<OpenCLPlatform> platforms;
        try {
            platforms = new OpenCLPlatform().getOpenCLPlatforms();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new OpenClException("Aparapi cannot reach OpenCL (" + e + "); install an OpenCL ICD, "
                    + "e.g. scripts/install-opencl.sh for PoCL", e);
        }
        List<OpenCLDevice> admitted = new ArrayList<>();
        StringBuilder present = new StringBuilder();
        for (int p = 0; p < platforms.size(); p++) {
            for (OpenCLDevice d : platforms.get(p).getOpenCLDevices()) {
                present.append("\n  platform ").append(p).append(": ").append(d.getName()).append(" (")
                        .append(d.getType()).append(')');
                if (choice.admits(p, typeOf(d.getType()))) {
                    admitted.add(d);
                }
            }
        }
        if (choice.index() >= admitted.size()) {
            throw new OpenClException("Aparapi: no OpenCL device matches " + choice + " (" + admitted.size()
                    + " match the type and platform); devices present:" + (present.isEmpty() ? " none" : present));
        }
        return admitted.get(choice.index());
    }

    private static DeviceType typeOf(Device.TYPE type) {
        return switch (type) {
            case GPU -> DeviceType.GPU;
            case CPU -> DeviceType.CPU;
            case ACC -> DeviceType.ACCELERATOR;
            default -> DeviceType.ANY;
        };
    }
}
