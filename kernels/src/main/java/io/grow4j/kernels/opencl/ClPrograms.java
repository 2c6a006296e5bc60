package io.grow4j.kernels.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

import java.nio.charset.StandardCharsets;

/** Small helpers around program objects. */
final class ClPrograms {
    private ClPrograms() {
    }

    static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        int n = log.length;
        while (n > 0 && log[n - 1] == 0) {
            n--;
        }
        return new String(log, 0, n, StandardCharsets.UTF_8);
    }
}
