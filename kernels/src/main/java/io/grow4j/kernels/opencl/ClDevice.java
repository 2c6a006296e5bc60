package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceChoice;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One OpenCL device with its context and in-order queue, shared by {@link OpenClKernels} and {@link OpenClPadKernel}
 * so that tensors padded on the device feed the forward pass without a host round trip. Turns OpenCL status codes
 * into {@link OpenClException}s that name the kernel, the buffer and the device.
 */
public final class ClDevice implements AutoCloseable {
    private final ClDeviceInfo info;
    private final cl_device_id device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final List<cl_program> programs = new ArrayList<>();
    private boolean closed;

    private ClDevice(ClPlatforms.Found found) {
        this.info = found.info();
        this.device = found.device();
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL.CL_CONTEXT_PLATFORM, found.platform());
        this.context = CL.clCreateContext(properties, 1, new cl_device_id[] {device}, null, null, null);
        this.queue = CL.clCreateCommandQueueWithProperties(context, device, new cl_queue_properties(), null);
    }

    /** Opens the device a choice names. */
    public static ClDevice open(DeviceChoice choice) {
        ClPlatforms.Found found = ClPlatforms.select(choice);
        try {
            return new ClDevice(found);
        } catch (CLException e) {
            throw new OpenClException("cannot open OpenCL device " + found.info().describe() + ": " + e.getMessage(), e);
        }
    }

    public ClDeviceInfo info() {
        return info;
    }

    cl_context context() {
        return context;
    }

    cl_command_queue queue() {
        return queue;
    }

    /**
     * Builds the OpenCL C source in resource {@code resource} (next to this class) with compiler options; a build
     * failure carries the compiler's log.
     */
    cl_program build(String resource, String options) {
        String source = readResource(resource);
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            CL.clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program);
            CL.clReleaseProgram(program);
            throw new OpenClException("OpenCL kernel build failed for " + resource + " on " + info.describe()
                    + " with options '" + options + "': CL status " + CL.stringFor_errorCode(e.getStatus())
                    + "\nbuild log:\n" + log, e);
        }
        programs.add(program);
        return program;
    }

    cl_kernel kernel(cl_program program, String name) {
        try {
            return CL.clCreateKernel(program, name, null);
        } catch (CLException e) {
            throw new OpenClException("no kernel '" + name + "' in program on " + info.describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A device buffer of {@code bytes}; fails with a clear message when the device cannot hold it, which OpenCL
     * reports either up front (larger than the largest allocation) or as an allocation failure.
     */
    cl_mem allocate(long bytes, String what) {
        long size = Math.max(bytes, 4);
        if (size > info.maxAllocBytes()) {
            throw outOfMemory(what, size, null);
        }
        try {
            return CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, size, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e)) {
                throw outOfMemory(what, size, e);
            }
            throw new OpenClException("cannot allocate " + size + " bytes for " + what + " on " + info.describe()
                    + ": " + e.getMessage(), e);
        }
    }

    static boolean isOutOfMemory(CLException e) {
        return e.getStatus() == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || e.getStatus() == CL.CL_OUT_OF_RESOURCES
                || e.getStatus() == CL.CL_OUT_OF_HOST_MEMORY || e.getStatus() == CL.CL_INVALID_BUFFER_SIZE;
    }

    OpenClException outOfMemory(String what, long bytes, CLException cause) {
        return new OpenClException("out of device memory: " + what + " needs " + bytes + " bytes on "
                + info.describe() + " (largest allocation " + info.maxAllocBytes() + " bytes, global memory "
                + info.globalMemBytes() + " bytes)", cause);
    }

    void write(cl_mem buffer, long offsetBytes, long bytes, Pointer host) {
        CL.clEnqueueWriteBuffer(queue, buffer, true, offsetBytes, bytes, host, 0, null, null);
    }

    void read(cl_mem buffer, long offsetBytes, long bytes, Pointer host) {
        CL.clEnqueueReadBuffer(queue, buffer, true, offsetBytes, bytes, host, 0, null, null);
    }

    /**
     * Enqueues a kernel over a global range rounded up to whole work-groups (kernels guard their own bounds) and
     * names the kernel and sizes when the launch fails.
     */
    void launch(cl_kernel kernel, String name, long[] global, long[] local) {
        long[] rounded = new long[global.length];
        for (int d = 0; d < global.length; d++) {
            rounded[d] = local == null ? global[d] : (global[d] + local[d] - 1) / local[d] * local[d];
        }
        try {
            CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, rounded, local, 0, null, null);
        } catch (CLException e) {
            String sizes = java.util.Arrays.toString(rounded) + " / " + (local == null ? "auto" : java.util.Arrays.toString(local));
            if (isOutOfMemory(e)) {
                throw new OpenClException("out of device resources launching " + name + " " + sizes + " on "
                        + info.describe() + ": " + e.getMessage(), e);
            }
            throw new OpenClException("launch of " + name + " " + sizes + " failed on " + info.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Waits for queued work; errors of asynchronous kernels surface here. */
    void finish(String after) {
        try {
            CL.clFinish(queue);
        } catch (CLException e) {
            throw new OpenClException("OpenCL queue failed after " + after + " on " + info.describe() + ": "
                    + e.getMessage(), e);
        }
    }

    private String buildLog(cl_program program) {
        try {
            return ClPrograms.buildLog(program, device);
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private static String readResource(String resource) {
        try (InputStream in = ClDevice.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new OpenClException("OpenCL source " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpenClException("cannot read OpenCL source " + resource + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        programs.forEach(CL::clReleaseProgram);
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }
}
