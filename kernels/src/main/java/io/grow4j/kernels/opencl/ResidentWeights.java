package io.grow4j.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Device copies of weight arrays, keyed by array identity (the {@link io.grow4j.kernels.KernelBackend} contract:
 * weights are the same array objects on every call and do not change). Uploaded on first use, kept until
 * {@link #release()}; a weight may also be bound to a tensor already on the device (a padded one), which then is
 * never uploaded at all.
 */
final class ResidentWeights implements AutoCloseable {
    private final ClDevice device;
    private final Map<float[], cl_mem> owned = new IdentityHashMap<>();
    private final Map<float[], DeviceTensor> bound = new IdentityHashMap<>();

    ResidentWeights(ClDevice device) {
        this.device = device;
    }

    cl_mem get(float[] weight, String what) {
        DeviceTensor tensor = bound.get(weight);
        if (tensor != null) {
            return tensor.buffer();
        }
        cl_mem buffer = owned.get(weight);
        if (buffer == null) {
            long bytes = (long) weight.length * Float.BYTES;
            buffer = device.allocate(bytes, what + " weights (" + weight.length + " floats)");
            if (bytes > 0) {
                device.write(buffer, 0, bytes, Pointer.to(weight));
            }
            owned.put(weight, buffer);
        }
        return buffer;
    }

    void bind(float[] key, DeviceTensor tensor) {
        cl_mem old = owned.remove(key);
        if (old != null) {
            CL.clReleaseMemObject(old);
        }
        bound.put(key, tensor);
    }

    int count() {
        return owned.size() + bound.size();
    }

    /** Frees every uploaded weight (bound device tensors stay owned by their creator). */
    void release() {
        owned.values().forEach(CL::clReleaseMemObject);
        owned.clear();
        bound.clear();
    }

    @Override
    public void close() {
        release();
    }
}
