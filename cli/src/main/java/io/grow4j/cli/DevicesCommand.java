package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.Backends;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.opencl.ClDeviceInfo;
import io.grow4j.kernels.opencl.ClPlatforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code grow4j devices}: the OpenCL platforms and devices this machine has, and which backends work on them. */
@Command(name = "devices", description = "List OpenCL platforms and devices and say which kernel backends are usable.")
public final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--device-profile", paramLabel = "FILE",
            description = "device profile (devices/*.yaml) choosing the device the backends are tried on"
                    + " (default: the built-in profile, the first device found)")
    Path profileFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        DeviceProfile profile = OptionFiles.deviceProfile(profileFile);
        listDevices(out);
        out.println();
        out.println("backends (profile " + profile.name() + ", device " + profile.device() + "):");
        for (String name : Backends.KNOWN) {
            out.println("  " + pad(name, 8) + probe(name, profile));
        }
        out.flush();
        return 0;
    }

    private static void listDevices(PrintWriter out) {
        List<ClDeviceInfo> devices;
        try {
            devices = ClPlatforms.list();
        } catch (RuntimeException | LinkageError e) {
            out.println("OpenCL: not available (" + e.getMessage() + ")");
            return;
        }
        if (devices.isEmpty()) {
            out.println("OpenCL: no platform found (install an ICD, e.g. scripts/install-opencl.sh for PoCL)");
            return;
        }
        int platform = -1;
        for (ClDeviceInfo d : devices) {
            if (d.platformIndex() != platform) {
                platform = d.platformIndex();
                out.println("platform " + platform + ": " + d.platformName());
            }
            out.println("  device " + d.deviceIndex() + ": " + d.name());
            out.println("    vendor         " + d.vendor());
            out.println("    type           " + d.type().name().toLowerCase());
            out.println("    version        " + d.version());
            out.println("    compute units  " + d.computeUnits());
            out.println("    global memory  " + mib(d.globalMemBytes()) + " (largest allocation "
                    + mib(d.maxAllocBytes()) + ")");
            out.println("    local memory   " + (d.localMemBytes() >> 10) + " KiB, work-groups up to "
                    + d.maxWorkGroupSize());
            out.println("    fp64           " + (d.fp64() ? "yes" : "no"));
        }
    }

    /** Starts the backend and runs one tiny kernel, so a build failure or an Aparapi fallback shows here. */
    private static String probe(String name, DeviceProfile profile) {
        try (KernelBackend backend = Backends.create(name, profile)) {
            float[] y = {1, 2, 3};
            backend.add(y, new float[] {1, 1, 1}, 3);
            if (y[0] != 2 || y[1] != 3 || y[2] != 4) {
                return "NOT usable: a test addition gave " + java.util.Arrays.toString(y);
            }
            return "usable on " + backend.device();
        } catch (RuntimeException | LinkageError e) {
            return "NOT usable: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        }
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
