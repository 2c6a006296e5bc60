package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.ScalarKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import picocli.CommandLine.Option;

/** The --backend option shared by commands that run a forward pass. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "kernel backend: cpu (Vector API, all cores) or scalar (plain reference); default ${DEFAULT-VALUE}")
    String name;

    KernelBackend create() {
        return switch (name) {
            case "cpu" -> new CpuKernels();
            case "scalar" -> new ScalarKernels();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (available: cpu, scalar)");
        };
    }
}
