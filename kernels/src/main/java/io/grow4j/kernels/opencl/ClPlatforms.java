package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceChoice;
import io.grow4j.kernels.device.DeviceType;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Lists OpenCL platforms and devices and picks one by a {@link DeviceChoice} (type and index, not vendor names). */
public final class ClPlatforms {

    static {
        CL.setExceptionsEnabled(true);
    }

    private ClPlatforms() {
    }

    /** A device handle with its facts. */
    record Found(cl_platform_id platform, cl_device_id device, ClDeviceInfo info) {
    }

    /** Every device of every platform, in the ICD loader's order; empty when there is no OpenCL at all. */
    public static List<ClDeviceInfo> list() {
        return all().stream().map(Found::info).toList();
    }

    static List<Found> all() {
        List<Found> found = new ArrayList<>();
        cl_platform_id[] platforms = platforms();
        for (int p = 0; p < platforms.length; p++) {
            String platformName = platformString(platforms[p], CL.CL_PLATFORM_NAME);
            cl_device_id[] devices = devices(platforms[p]);
            for (int d = 0; d < devices.length; d++) {
                found.add(new Found(platforms[p], devices[d], describe(p, platformName, d, devices[d])));
            }
        }
        return found;
    }

    /** The device a choice names, or an error that lists what there is. */
    static Found select(DeviceChoice choice) {
        List<Found> all;
        try {
            all = all();
        } catch (UnsatisfiedLinkError | CLException e) {
            throw new OpenClException("no usable OpenCL runtime (" + e.getMessage() + "); install an OpenCL ICD, "
                    + "e.g. scripts/install-opencl.sh for PoCL", e);
        }
        if (all.isEmpty()) {
            throw new OpenClException("no OpenCL platform found; install an OpenCL ICD, e.g. scripts/install-opencl.sh "
                    + "for PoCL on the CPU");
        }
        List<Found> admitted = all.stream().filter(f -> choice.admits(f.info().platformIndex(), f.info().type())).toList();
        if (choice.index() >= admitted.size()) {
            StringBuilder there = new StringBuilder();
            all.forEach(f -> there.append("\n  platform ").append(f.info().platformIndex()).append(" device ")
                    .append(f.info().deviceIndex()).append(": ").append(f.info().describe()));
            throw new OpenClException("no OpenCL device matches " + choice + " (" + admitted.size()
                    + " match the type and platform); devices present:" + there);
        }
        return admitted.get(choice.index());
    }

    private static cl_platform_id[] platforms() {
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL.CL_PLATFORM_NOT_FOUND_KHR) {
                return new cl_platform_id[0];
            }
            throw e;
        }
        cl_platform_id[] ids = new cl_platform_id[count[0]];
        if (count[0] > 0) {
            CL.clGetPlatformIDs(count[0], ids, null);
        }
        return ids;
    }

    private static cl_device_id[] devices(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL.CL_DEVICE_NOT_FOUND) {
                return new cl_device_id[0];
            }
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, count[0], ids, null);
        return ids;
    }

    private static ClDeviceInfo describe(int p, String platformName, int d, cl_device_id id) {
        String extensions = deviceString(id, CL.CL_DEVICE_EXTENSIONS);
        boolean fp64 = extensions.contains("cl_khr_fp64");
        return new ClDeviceInfo(p, platformName, d, deviceString(id, CL.CL_DEVICE_NAME).trim(),
                deviceString(id, CL.CL_DEVICE_VENDOR).trim(), typeOf(deviceLong(id, CL.CL_DEVICE_TYPE)),
                deviceString(id, CL.CL_DEVICE_VERSION).trim(), (int) deviceInt(id, CL.CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceLong(id, CL.CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(id, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                deviceLong(id, CL.CL_DEVICE_LOCAL_MEM_SIZE), (int) deviceSizeT(id, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE), fp64);
    }

    private static DeviceType typeOf(long bits) {
        if ((bits & CL.CL_DEVICE_TYPE_GPU) != 0) {
            return DeviceType.GPU;
        }
        if ((bits & CL.CL_DEVICE_TYPE_CPU) != 0) {
            return DeviceType.CPU;
        }
        return DeviceType.ACCELERATOR;
    }

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(platform, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetPlatformInfo(platform, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        CL.clGetDeviceInfo(device, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_long, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_int, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceSizeT(cl_device_id device, int param) {
        ByteBuffer buffer = ByteBuffer.allocate(Sizeof.size_t).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(buffer), null);
        return Sizeof.size_t == 8 ? buffer.getLong(0) : buffer.getInt(0);
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
