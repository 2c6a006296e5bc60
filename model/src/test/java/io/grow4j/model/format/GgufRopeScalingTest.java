package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF's RoPE scaling: rope_freqs.weight and the linear scaling keys, read, written, and refused when malformed. */
class GgufRopeScalingTest {
    private final GgufFormat format = new GgufFormat();
    private final TransformerConfig config = Fixtures.llama(false, RopeLayout.INTERLEAVED);
    private final Model model = RandomModels.create(config, DType.F32, 21);

    @TempDir
    Path dir;

    private static byte[] floats(float... values) {
        Tensor t = Tensor.allocate(DType.F32, values.length);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return GgufBytes.f32Bytes(t);
    }

    @Test
    void ropeFreqsAreReadAsDivisorsAndWrittenBack() throws IOException {
        Path file = new GgufBytes().llamaConfig(config).llamaTensors(model)
                .tensor(GgufRopeFreqs.NAME, GgufBytes.GGML_F32, new long[] {2}, floats(1f, 3.5f))
                .write(dir.resolve("freqs.gguf"));
        Model read = format.read(file);
        assertEquals(new RopeScaling.FrequencyDivisors(List.of(1.0, 3.5)),
                ((Positions.Rope) read.config().positions()).scaling());
        Path again = dir.resolve("again.gguf");
        format.write(read, again);
        Model reread = format.read(again);
        assertEquals(read.config(), reread.config());
        Fixtures.assertSameModel(read, reread);
    }

    @Test
    void linearScalingKeysAreReadAndWritten() throws IOException {
        Path file = new GgufBytes().llamaConfig(config).str("llama.rope.scaling.type", "linear")
                .f32("llama.rope.scaling.factor", 4).llamaTensors(model).write(dir.resolve("linear.gguf"));
        Model read = format.read(file);
        assertEquals(new RopeScaling.Linear(4), ((Positions.Rope) read.config().positions()).scaling());
        Path again = dir.resolve("again.gguf");
        format.write(read, again);
        assertEquals(read.config(), format.read(again).config());
    }

    /** Wrong length or type of rope_freqs.weight: the tensor named, nothing read. */
    @Test
    void malformedRopeFreqsAreNamed() throws IOException {
        Path wrongLength = new GgufBytes().llamaConfig(config).llamaTensors(model)
                .tensor(GgufRopeFreqs.NAME, GgufBytes.GGML_F32, new long[] {4}, floats(1, 2, 3, 4))
                .write(dir.resolve("long.gguf"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(wrongLength));
        assertTrue(e.getMessage().contains("rope_freqs.weight at offset ") && e.getMessage().contains(
                ": expected F32 dims [2] (one divisor per rotary pair of a head of size 4), got F32 dims [4]"),
                e.getMessage());
        assertThrows(CheckpointException.class, () -> GgufCheckpoint.open(wrongLength));

        Path negative = new GgufBytes().llamaConfig(config).llamaTensors(model)
                .tensor(GgufRopeFreqs.NAME, GgufBytes.GGML_F32, new long[] {2}, floats(1, -2))
                .write(dir.resolve("negative.gguf"));
        e = assertThrows(CheckpointException.class, () -> format.read(negative));
        assertTrue(e.getMessage().contains("rope_freqs.weight entry 1 is -2.0: divisors must be positive"),
                e.getMessage());
    }

    /** llama3 (from config.json) is written as rope_freqs.weight, as llama.cpp's converter does: float32 divisors. */
    @Test
    void llama3IsWrittenAsRopeFreqs() throws IOException {
        TransformerConfig llama3 = new TransformerConfig(config.architecture(), config.vocabSize(), config.hidden(),
                config.layers(), 64, new AttentionConfig(4, 2, 8, 8, false), config.mlp(),
                config.normEps(), new Positions.Rope(500000, RopeLayout.INTERLEAVED,
                new RopeScaling.Llama3(8, 1, 4, 16)), false);
        Path out = dir.resolve("llama3.gguf");
        format.write(RandomModels.create(llama3, DType.F32, 2), out);
        TransformerConfig read = format.read(out).config();
        assertTrue(((Positions.Rope) read.positions()).scaling() instanceof RopeScaling.FrequencyDivisors);
        double[] want = RopeFrequencies.of(llama3).inverseFrequencies(0);
        double[] got = RopeFrequencies.of(read).inverseFrequencies(0);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 6e-8 * want[i], "pair " + i + " within float32 rounding of its divisor");
        }
    }

    /** Scalings GGUF cannot hold are refused before anything is written. */
    @Test
    void yarnIsNotWrittenAsGguf() {
        Model yarn = RandomModels.create(config.withPositions(new Positions.Rope(10000, RopeLayout.INTERLEAVED,
                new RopeScaling.Yarn(4, null, null, null, null, null, null, null))), DType.F32, 1);
        Path out = dir.resolve("yarn.gguf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> format.write(yarn, out));
        assertTrue(e.getMessage().contains("this model's yarn scaling is neither"), e.getMessage());
        assertTrue(!Files.exists(out));
    }
}
