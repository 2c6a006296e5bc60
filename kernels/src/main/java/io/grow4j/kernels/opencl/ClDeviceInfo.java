package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceType;

/**
 * Facts about one OpenCL device, as {@code grow4j devices} prints them.
 *
 * @param platformIndex position of its platform in the ICD loader's list
 * @param deviceIndex   position among the devices of its platform
 */
public record ClDeviceInfo(int platformIndex, String platformName, int deviceIndex, String name, String vendor,
                           DeviceType type, String version, int computeUnits, long globalMemBytes,
                           long maxAllocBytes, long localMemBytes, int maxWorkGroupSize, boolean fp64) {

    /** One line for logs and bench output. */
    public String describe() {
        return name + " (" + type.name().toLowerCase() + ", " + platformName + ")";
    }
}
