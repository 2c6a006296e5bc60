package io.grow4j.cli;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.forward.DecodingSession;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.opencl.DeviceDecodingSession;
import io.grow4j.kernels.opencl.DeviceForwardPass;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --backend opencl decodes on the device-resident pass; the other backends keep ForwardPass. */
class ForwardsTest {
    private static final TransformerConfig CONFIG = new TransformerConfig(Architecture.LLAMA, 50, 32, 2, 16,
            new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.HALF_SPLIT), true);
    private static final int[] TOKENS = {1, 7, 3, 49, 0, 12};

    @Test
    void openclRunsTheDeviceResidentPass() {
        Model model = RandomModels.create(CONFIG, DType.F32, 3);
        try (Forwards forwards = Forwards.open("opencl", DeviceProfile.DEFAULT);
             Forwards.Forward forward = forwards.create(model);
             DeviceForwardPass direct = DeviceForwardPass.open(model, DeviceProfile.DEFAULT)) {
            assertEquals("opencl", forwards.name());
            DecodingSession session = forward.newSession();
            assertInstanceOf(DeviceDecodingSession.class, session);
            float[][] want = direct.logits(TOKENS);
            float[][] got = forward.logits(TOKENS);
            for (int i = 0; i < TOKENS.length; i++) {
                assertArrayEquals(want[i], got[i], "position " + i);
            }
        }
    }

    @Test
    void cpuRunsForwardPass() {
        Model model = RandomModels.create(CONFIG, DType.F32, 3);
        try (Forwards forwards = Forwards.open("cpu", DeviceProfile.DEFAULT);
             Forwards.Forward forward = forwards.create(model);
             CpuKernels cpu = new CpuKernels()) {
            assertInstanceOf(ForwardPass.Session.class, forward.newSession());
            float[][] want = new ForwardPass(model, cpu).logits(TOKENS);
            float[][] got = forward.logits(TOKENS);
            for (int i = 0; i < TOKENS.length; i++) {
                assertArrayEquals(want[i], got[i], "position " + i);
            }
        }
    }

    @Test
    void demoPassesOnOpencl() {
        Cli run = Cli.run("demo", "--backend", "opencl");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("demo: every step preserved the function"), run.out());
    }
}
