package io.grow4j.kernels.device;

/** OpenCL device classes a profile may ask for; chosen by type and index, never by vendor string. */
public enum DeviceType {
    ANY,
    GPU,
    CPU,
    ACCELERATOR
}
