package io.grow4j.kernels.device;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * How grow4j uses the accelerators of one machine, read from a file in {@code devices/}: which backends to try in
 * which order, which OpenCL device they run on, work-group sizes per kernel and what to do when a kernel cannot run
 * on the device.
 *
 * @param name       profile name, for logs and bench output
 * @param backends   backend ids in the order {@link Backends#createFirst} tries them: opencl, aparapi, cpu, scalar
 * @param device     the OpenCL device both OpenCL backends use
 * @param fallback   policy when a kernel would silently leave the device
 * @param workGroups work-group sizes per kernel
 * @param matmulKernel which OpenCL C matmul variant runs (auto: by device type)
 */
public record DeviceProfile(@JsonProperty("name") String name,
                            @JsonProperty("backends") List<String> backends,
                            @JsonProperty("device") DeviceChoice device,
                            @JsonProperty("fallback") FallbackPolicy fallback,
                            @JsonProperty("workGroups") WorkGroupSizes workGroups,
                            @JsonProperty("matmulKernel") MatmulVariant matmulKernel) {

    /** Built-in profile when no file is given: first device of any type, fail on fallback, default sizes. */
    public static final DeviceProfile DEFAULT = new DeviceProfile("built-in default", null, null, null, null, null);

    public DeviceProfile {
        name = name == null ? "unnamed" : name;
        backends = backends == null ? List.of("opencl", "aparapi", "cpu") : List.copyOf(backends);
        device = device == null ? DeviceChoice.FIRST_ANY : device;
        fallback = fallback == null ? FallbackPolicy.FAIL : fallback;
        workGroups = workGroups == null ? WorkGroupSizes.DEFAULT : workGroups;
        matmulKernel = matmulKernel == null ? MatmulVariant.AUTO : matmulKernel;
        for (String b : backends) {
            if (!Backends.KNOWN.contains(b)) {
                throw new IllegalArgumentException("unknown backend '" + b + "' in backends (known: " + Backends.KNOWN + ")");
            }
        }
    }

    /** The same profile with another fallback policy (tests, and a CLI override). */
    public DeviceProfile withFallback(FallbackPolicy policy) {
        return new DeviceProfile(name, backends, device, policy, workGroups, matmulKernel);
    }

    /** The same profile with another matmul variant. */
    public DeviceProfile withMatmulKernel(MatmulVariant variant) {
        return new DeviceProfile(name, backends, device, fallback, workGroups, variant);
    }

    /** The same profile with other work-group sizes. */
    public DeviceProfile withWorkGroups(WorkGroupSizes sizes) {
        return new DeviceProfile(name, backends, device, fallback, sizes, matmulKernel);
    }
}
