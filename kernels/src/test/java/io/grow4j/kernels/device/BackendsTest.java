package io.grow4j.kernels.device;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.opencl.OpenClException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {

    @Test
    void everyKnownBackendStartsHere() {
        for (String name : Backends.KNOWN) {
            try (KernelBackend backend = Backends.create(name, DeviceProfile.DEFAULT)) {
                assertEquals(name, backend.name());
                float[] y = {1, 2};
                backend.add(y, new float[] {3, 4}, 2);
                assertEquals(6f, y[1]);
            }
        }
    }

    @Test
    void unknownNamesAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backends.create("cuda", DeviceProfile.DEFAULT));
        assertTrue(e.getMessage().contains("cuda") && e.getMessage().contains("opencl"), e.getMessage());
    }

    @Test
    void skippingABackendFollowsThePolicy() {
        DeviceChoice missing = new DeviceChoice(DeviceType.ANY, 7, 0);
        DeviceProfile failing = new DeviceProfile("t", List.of("opencl", "cpu"), missing, FallbackPolicy.FAIL, null, null);
        OpenClException e = assertThrows(OpenClException.class, () -> Backends.createFirst(failing));
        assertTrue(e.getMessage().contains("fallback policy is fail"), e.getMessage());
        try (KernelBackend b = Backends.createFirst(failing.withFallback(FallbackPolicy.WARN))) {
            assertEquals("cpu", b.name());
        }
    }
}
