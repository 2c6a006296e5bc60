package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --backend and --device-profile, shared by the commands that run a forward pass. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "kernel backend: cpu (Vector API, all cores), scalar (plain reference), opencl (OpenCL C"
                    + " through JOCL; decoders run with weights and KV cache resident on the device) or aparapi (Java kernels compiled to OpenCL); default ${DEFAULT-VALUE}")
    String name;

    @Option(names = "--device-profile", paramLabel = "FILE",
            description = "device profile (devices/*.yaml): device choice, work-group sizes, fallback policy"
                    + " (default: the built-in profile, the first device found)")
    Path profile;

    KernelBackend create() {
        checkName();
        DeviceProfile deviceProfile = OptionFiles.deviceProfile(profile);
        return Backends.create(name, deviceProfile);
    }

    /** Decoder forward passes: device-resident on opencl, kernel by kernel on the other backends. */
    Forwards forwards() {
        checkName();
        return Forwards.open(name, OptionFiles.deviceProfile(profile));
    }

    private void checkName() {
        if (!Backends.KNOWN.contains(name)) {
            throw new IllegalArgumentException("--backend: unknown backend '" + name + "' (known: "
                    + String.join(", ", Backends.KNOWN) + ")");
        }
    }
}
