package io.grow4j.kernels.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/** One kernel of a built program, with typed argument setting and launches that name it in errors. */
final class ClKernel {
    private final ClDevice device;
    private final cl_kernel kernel;
    private final String name;

    ClKernel(ClDevice device, cl_program program, String name) {
        this.device = device;
        this.kernel = device.kernel(program, name);
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Sets arguments 0.. in order: cl_mem, Integer (int), Long (long), Float (float), Double (double). */
    ClKernel args(Object... values) {
        for (int i = 0; i < values.length; i++) {
            try {
                set(i, values[i]);
            } catch (CLException e) {
                throw new OpenClException("cannot set argument " + i + " of kernel " + name + " on "
                        + device.info().describe() + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    private void set(int i, Object value) {
        switch (value) {
            case cl_mem m -> CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(m));
            case Integer v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            case Long v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_long, Pointer.to(new long[] {v}));
            case Float v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            case Double v -> CL.clSetKernelArg(kernel, i, Sizeof.cl_double, Pointer.to(new double[] {v}));
            default -> throw new IllegalArgumentException("kernel " + name + " argument " + i + ": unsupported type "
                    + value.getClass().getName());
        }
    }

    /** Enqueues over {@code global} items (rounded up to whole groups of {@code local}; null lets OpenCL choose). */
    void launch(long[] global, long[] local) {
        device.launch(kernel, name, global, local);
    }

    void release() {
        CL.clReleaseKernel(kernel);
    }
}
