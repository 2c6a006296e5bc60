package io.grow4j.kernels.cpu;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.forward.ForwardPass;
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

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU backend gives the same bits every time: first call (interpreted) or thousandth (compiled), so verify can
 * compare a model with itself and get exactly zero, and a grown model's logits differ from the original's only by
 * what growth changed.
 */
class DeterminismTest {

    @Test
    void dotProductsDoNotDependOnTheJitTier() {
        Random r = new Random(1);
        float[] a = new float[1000];
        float[] b = new float[1000];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
        float cold = VectorDots.dot(a, 0, b, 0, a.length);
        float hot = 0;
        for (int i = 0; i < 200_000; i++) {
            hot = VectorDots.dot(a, 0, b, 0, a.length);
        }
        assertEquals(Float.floatToRawIntBits(cold), Float.floatToRawIntBits(hot));
    }

    /** What verify does with a model and itself: two sessions fed the same tokens side by side. */
    @Test
    void twoSessionsOfTheSameModelAgreeBitForBit() {
        TransformerConfig config = new TransformerConfig(Architecture.LLAMA, 512, 64, 5, 512,
                new AttentionConfig(8, 4, 8, 8, false), new MlpConfig(172, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), true);
        Model model = RandomModels.create(config, DType.F32, 3);
        Random random = new Random(1234);
        try (KernelBackend cpu = new CpuKernels()) {
            ForwardPass a = new ForwardPass(model, cpu);
            ForwardPass b = new ForwardPass(model, cpu);
            for (int sequence = 0; sequence < 4; sequence++) {
                ForwardPass.Session x = a.newSession();
                ForwardPass.Session y = b.newSession();
                for (int t = 0; t < 32; t++) {
                    int token = random.nextInt(config.vocabSize());
                    assertArrayEquals(x.next(token), y.next(token), 0f, "sequence " + sequence + " position " + t);
                }
            }
        }
    }
}
