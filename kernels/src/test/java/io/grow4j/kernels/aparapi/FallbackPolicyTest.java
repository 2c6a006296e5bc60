package io.grow4j.kernels.aparapi;

import com.aparapi.device.OpenCLDevice;
import io.grow4j.kernels.device.DeviceChoice;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.FallbackPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Aparapi's silent fallback to a Java thread pool is caught and handled as the profile says. */
class FallbackPolicyTest {

    @Test
    void failThrowsNamingTheKernel() {
        try (AparapiKernels kernels = new AparapiKernels(DeviceProfile.DEFAULT.withFallback(FallbackPolicy.FAIL))) {
            UntranslatableKernel bad = new UntranslatableKernel();
            bad.out = new float[8];
            AparapiFallbackException e = assertThrows(AparapiFallbackException.class,
                    () -> kernels.execute(bad, "offsets", device().createRange(8)));
            assertTrue(e.getMessage().contains("offsets") && e.getMessage().contains("UntranslatableKernel")
                    && e.getMessage().contains("policy: fail"), e.getMessage());
            bad.dispose();
        }
    }

    @Test
    void warnLogsOnceAndContinues() {
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(FallbackGuard.class.getName());
        logger.addHandler(capture);
        try (AparapiKernels kernels = new AparapiKernels(DeviceProfile.DEFAULT.withFallback(FallbackPolicy.WARN))) {
            UntranslatableKernel bad = new UntranslatableKernel();
            bad.out = new float[8];
            kernels.execute(bad, "offsets", device().createRange(8));
            kernels.execute(bad, "offsets", device().createRange(8));
            assertEquals(7.5f, bad.out[6], "the fallback still computes the kernel");
            assertEquals(1, records.size(), "one warning for two fallbacks of the same kernel");
            assertTrue(records.getFirst().getMessage().contains("offsets"), records.getFirst().getMessage());
            bad.dispose();
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void translatableKernelsRunOnOpenCl() {
        try (AparapiKernels kernels = new AparapiKernels(DeviceProfile.DEFAULT.withFallback(FallbackPolicy.FAIL))) {
            ReluKernel relu = new ReluKernel();
            relu.x = new float[] {-1, 2, -3};
            relu.n = 3;
            kernels.execute(relu, "relu", device().createRange(8, 8));
            assertTrue(FallbackGuard.ranOnOpenCl(relu), "relu should have run on OpenCL");
            assertEquals(0f, relu.x[2]);
            relu.dispose();
        }
    }

    private static OpenCLDevice device() {
        return AparapiDevices.select(DeviceChoice.FIRST_ANY);
    }
}
