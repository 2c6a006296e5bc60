package io.grow4j.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/** A short-lived device buffer released by try-with-resources (index tables, placeholders). */
record ClBuffer(cl_mem mem) implements AutoCloseable {

    static ClBuffer of(ClDevice device, long[] values, String what) {
        cl_mem mem = device.allocate((long) values.length * Long.BYTES, what);
        if (values.length > 0) {
            device.write(mem, 0, (long) values.length * Long.BYTES, Pointer.to(values));
        }
        return new ClBuffer(mem);
    }

    static ClBuffer of(ClDevice device, int[] values, String what) {
        cl_mem mem = device.allocate((long) values.length * Integer.BYTES, what);
        if (values.length > 0) {
            device.write(mem, 0, (long) values.length * Integer.BYTES, Pointer.to(values));
        }
        return new ClBuffer(mem);
    }

    static ClBuffer empty(ClDevice device, String what) {
        return new ClBuffer(device.allocate(8, what));
    }

    @Override
    public void close() {
        CL.clReleaseMemObject(mem);
    }
}
