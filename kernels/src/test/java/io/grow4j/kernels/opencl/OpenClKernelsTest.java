package io.grow4j.kernels.opencl;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.MatmulVariant;
import io.grow4j.kernels.device.WorkGroupSizes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * OpenClKernels on the first OpenCL device (PoCL on the test machines) against the scalar reference, with the tiled
 * (GPU) matmul forced; {@link Blocked} runs the contract again with the blocked (CPU) matmul.
 */
class OpenClKernelsTest extends BackendContract {
    /** Small groups and tiles so the edge cases (partial tiles, partial groups) are many. */
    static final WorkGroupSizes SMALL = new WorkGroupSizes(16, 8, 32, 64, 16, 32, 64);
    private static OpenClKernels kernels;

    @BeforeAll
    static void open() {
        kernels = OpenClKernels.open(DeviceProfile.DEFAULT.withWorkGroups(SMALL).withMatmulKernel(MatmulVariant.TILED));
    }

    @AfterAll
    static void close() {
        kernels.close();
    }

    @Override
    protected KernelBackend backend() {
        return kernels;
    }

    @Nested
    class Blocked extends BackendContract {
        private static OpenClKernels blocked;

        @BeforeAll
        static void open() {
            blocked = OpenClKernels.open(DeviceProfile.DEFAULT.withWorkGroups(SMALL)
                    .withMatmulKernel(MatmulVariant.BLOCKED));
        }

        @AfterAll
        static void close() {
            blocked.close();
        }

        @Override
        protected KernelBackend backend() {
            return blocked;
        }
    }

    @Test
    void weightsStayResidentByIdentity() {
        kernels.releaseWeights();
        float[] w = new float[12];
        float[] x = new float[4];
        float[] out = new float[3];
        kernels.matvec(w, x, out, 3, 4);
        kernels.matvec(w, x, out, 3, 4);
        assertEquals(1, kernels.residentWeightCount());
        kernels.matvec(w.clone(), x, out, 3, 4);
        assertEquals(2, kernels.residentWeightCount());
    }

    @Test
    void defaultSizesAlsoMatch() {
        try (OpenClKernels defaults = OpenClKernels.open(DeviceProfile.DEFAULT)) {
            float[] a = io.grow4j.kernels.Close.randomFloats(new java.util.SplittableRandom(3), 70 * 90, 1);
            float[] b = io.grow4j.kernels.Close.randomFloats(new java.util.SplittableRandom(4), 100 * 90, 1);
            float[] want = new float[70 * 100];
            float[] got = new float[70 * 100];
            new io.grow4j.kernels.ScalarKernels().matmul(a, b, want, 70, 100, 90);
            defaults.matmul(a, b, got, 70, 100, 90);
            io.grow4j.kernels.Close.assertClose(want, got, want.length, 1e-5, "matmul with default tile");
        }
    }
}
