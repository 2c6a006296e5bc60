package io.grow4j.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * Device buffers for activations, one per argument slot, grown when a call needs more: activations change on every
 * call, so they are uploaded fresh into reused buffers rather than cached.
 */
final class ScratchBuffers implements AutoCloseable {
    private final ClDevice device;
    private final cl_mem[] buffers;
    private final long[] capacity;

    ScratchBuffers(ClDevice device, int slots) {
        this.device = device;
        this.buffers = new cl_mem[slots];
        this.capacity = new long[slots];
    }

    /** A buffer of at least {@code bytes} in slot {@code slot}; contents undefined. */
    cl_mem get(int slot, long bytes, String what) {
        if (capacity[slot] < bytes || buffers[slot] == null) {
            if (buffers[slot] != null) {
                CL.clReleaseMemObject(buffers[slot]);
                buffers[slot] = null;
                capacity[slot] = 0;
            }
            long size = Math.max(bytes, 64);
            buffers[slot] = device.allocate(size, what);
            capacity[slot] = size;
        }
        return buffers[slot];
    }

    /** Slot {@code slot} holding the first {@code count} floats of {@code host}. */
    cl_mem upload(int slot, float[] host, int count, String what) {
        long bytes = (long) count * Float.BYTES;
        cl_mem buffer = get(slot, bytes, what);
        if (bytes > 0) {
            device.write(buffer, 0, bytes, Pointer.to(host));
        }
        return buffer;
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                CL.clReleaseMemObject(buffers[i]);
                buffers[i] = null;
            }
        }
    }
}
