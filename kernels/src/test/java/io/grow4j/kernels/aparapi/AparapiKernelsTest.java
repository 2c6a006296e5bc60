package io.grow4j.kernels.aparapi;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.FallbackPolicy;
import io.grow4j.kernels.device.WorkGroupSizes;
import io.grow4j.kernels.opencl.BackendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * AparapiKernels against the scalar reference, with fallback policy FAIL: a kernel that silently ran in Aparapi's
 * Java thread pool instead of on OpenCL fails the test.
 */
class AparapiKernelsTest extends BackendContract {
    private static AparapiKernels kernels;

    @BeforeAll
    static void open() {
        kernels = new AparapiKernels(DeviceProfile.DEFAULT.withFallback(FallbackPolicy.FAIL)
                .withWorkGroups(new WorkGroupSizes(16, 8, 32, 64, 16, 32, 64)));
    }

    @AfterAll
    static void close() {
        kernels.close();
    }

    @Override
    protected KernelBackend backend() {
        return kernels;
    }
}
