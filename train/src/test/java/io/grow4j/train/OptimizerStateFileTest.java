package io.grow4j.train;

import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimizerStateFileTest {
    private static final TransformerConfig CONFIG = TinyModels.llama(13, 8, 2, 6, RopeLayout.HALF_SPLIT, false);

    @TempDir
    Path dir;

    @Test
    void roundTripsEveryMomentAndTheStep() throws IOException {
        AdamW state = new AdamW(AdamW.Settings.defaults(), random(1), random(2), 123);
        Path file = dir.resolve("state.safetensors");
        OptimizerStateFile.write(file, state, new TrainingPosition(130, 4160, 1.25e9));
        AdamW read = OptimizerStateFile.read(file, CONFIG, AdamW.Settings.defaults());
        assertEquals(123, read.step());
        for (TensorKey key : state.first().arrays().keySet()) {
            assertArrayEquals(state.first().get(key), read.first().get(key), key.toString());
            assertArrayEquals(state.second().get(key), read.second().get(key), key.toString());
        }
    }

    @Test
    void aStateOfAnotherShapeNamesEveryTensorAndShape() throws IOException {
        Path file = dir.resolve("state.safetensors");
        OptimizerStateFile.write(file, AdamW.fresh(AdamW.Settings.defaults(), CONFIG), TrainingPosition.START);
        TransformerConfig grown = new MlpExpansion(20).apply(CONFIG);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptimizerStateFile.read(file, grown, AdamW.Settings.defaults()));
        assertTrue(e.getMessage().contains("tensor m.layers.0.w_up: expected F32 [20, 8], got F32 [13, 8]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("tensor v.layers.1.w_down: expected F32 [8, 20]"), e.getMessage());
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> OptimizerStateFile.read(file, CONFIG,
                AdamW.Settings.defaults()));
    }

    private static Parameters random(long seed) {
        Parameters p = Parameters.zeros(CONFIG);
        SplittableRandom r = new SplittableRandom(seed);
        p.arrays().values().forEach(a -> {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextDouble();
            }
        });
        return p;
    }
}
