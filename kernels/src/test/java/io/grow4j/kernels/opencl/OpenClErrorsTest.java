package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceChoice;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.DeviceType;
import io.grow4j.kernels.device.WorkGroupSizes;
import io.grow4j.model.DType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend failures give messages a user can act on, never a wrong answer. */
class OpenClErrorsTest {

    @Test
    void listsTheDevices() {
        assertFalse(ClPlatforms.list().isEmpty(), "PoCL should provide at least one OpenCL device");
    }

    @Test
    void aMissingDeviceListsWhatThereIs() {
        OpenClException e = assertThrows(OpenClException.class,
                () -> ClDevice.open(new DeviceChoice(DeviceType.ANY, 0, 99)));
        assertTrue(e.getMessage().contains("no OpenCL device matches") && e.getMessage().contains("platform 0 device 0"),
                e.getMessage());
    }

    @Test
    void aBuildFailureCarriesTheBuildLog() {
        try (ClDevice device = ClDevice.open(DeviceChoice.FIRST_ANY)) {
            OpenClException e = assertThrows(OpenClException.class, () -> device.build("broken.cl", ""));
            assertTrue(e.getMessage().contains("build log") && e.getMessage().contains("undeclared_thing"),
                    e.getMessage());
        }
    }

    @Test
    void aTensorLargerThanTheDeviceIsOutOfMemory() {
        try (OpenClPadKernel pad = OpenClPadKernel.open(DeviceProfile.DEFAULT)) {
            long tooMany = pad.device().info().maxAllocBytes() / 4 + 1024;
            OpenClException e = assertThrows(OpenClException.class, () -> pad.allocate(DType.F32, tooMany));
            assertTrue(e.getMessage().startsWith("out of device memory") && e.getMessage().contains("tensor F32"),
                    e.getMessage());
        }
    }

    @Test
    void aWorkGroupTheDeviceCannotRunIsRefused() {
        int max = ClPlatforms.list().getFirst().maxWorkGroupSize();
        int tooBig = Integer.highestOneBit(max) * 2;
        DeviceProfile profile = DeviceProfile.DEFAULT.withWorkGroups(
                new WorkGroupSizes(null, null, tooBig, null, null, null, null));
        OpenClException e = assertThrows(OpenClException.class, () -> OpenClKernels.open(profile));
        assertTrue(e.getMessage().contains("matvec") && e.getMessage().contains(String.valueOf(tooBig)), e.getMessage());
    }
}
