package io.grow4j.kernels.device;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which OpenCL device a backend runs on: the {@code index}-th device of {@code type} on platform number
 * {@code platform} (in the order the ICD loader lists them), or across all platforms in that order when
 * {@code platform} is -1.
 */
public record DeviceChoice(@JsonProperty("type") DeviceType type,
                           @JsonProperty("platform") Integer platform,
                           @JsonProperty("index") Integer index) {

    public static final DeviceChoice FIRST_ANY = new DeviceChoice(DeviceType.ANY, -1, 0);

    public DeviceChoice {
        type = type == null ? DeviceType.ANY : type;
        platform = platform == null ? -1 : platform;
        index = index == null ? 0 : index;
        if (platform < -1) {
            throw new IllegalArgumentException("device.platform must be -1 (any) or a platform index, got " + platform);
        }
        if (index < 0) {
            throw new IllegalArgumentException("device.index must be >= 0, got " + index);
        }
    }

    /** True when a device of the given type on the given platform passes this choice's type and platform filters. */
    public boolean admits(int platformIndex, DeviceType deviceType) {
        return (platform == -1 || platform == platformIndex) && (type == DeviceType.ANY || type == deviceType);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase() + " #" + index + (platform == -1 ? " on any platform" : " on platform " + platform);
    }
}
