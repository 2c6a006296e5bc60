package io.grow4j.cli;

import io.grow4j.kernels.opencl.OpenClPadKernel;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.kernels.pad.PadKernel;

import java.nio.file.Path;

/** The padding kernel a command asked for, closed with it (an OpenCL kernel holds its device). */
record PadKernels(PadKernel kernel) implements AutoCloseable {

    static PadKernels open(String backend, Path deviceProfile) {
        return switch (backend) {
            case "cpu" -> new PadKernels(new CpuPadKernel());
            case "opencl" -> new PadKernels(OpenClPadKernel.open(OptionFiles.deviceProfile(deviceProfile)));
            default -> throw new IllegalArgumentException("no padding kernel for backend '" + backend
                    + "' (available: cpu, opencl)");
        };
    }

    @Override
    public void close() {
        if (kernel instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the " + kernel.name() + " padding kernel: " + e.getMessage(), e);
            }
        }
    }
}
