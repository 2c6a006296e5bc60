package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.RequiresSharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stories260K checkpoint exported by llama2.c itself: our reader and writer against the real thing. */
@RequiresSharedData("stories260K.bin")
class Stories260KTest {
    /** freq_cis_real and freq_cis_imag: 2 tables of seq_len 512 x head_size/2 4 floats, just before the end. */
    private static final int FREQ_BYTES = 2 * 512 * 4 * Float.BYTES;

    private final Llama2cFormat llama2c = new Llama2cFormat();
    private final HfDirectoryFormat hf = new HfDirectoryFormat();

    @TempDir
    Path dir;

    @Test
    void headerGivesTheDocumentedConfig() throws IOException {
        Model model = llama2c.read(Fixtures.stories260K());
        TransformerConfig expected = new TransformerConfig(Architecture.LLAMA, 512, 64, 5, 512,
                new AttentionConfig(8, 4, 8, 8, false), new MlpConfig(172, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(10000, RopeLayout.INTERLEAVED), true);
        assertEquals(expected, model.config());
        assertEquals(264_128 - 4096, model.parameterCount(), "the file's floats less the freq_cis tables");
    }

    /**
     * Writing it back reproduces every weight byte for byte. The freq_cis tables are compared to one ulp only: the
     * export computed cos/sin with PyTorch's float32 kernels, which are not correctly rounded (about one value in ten
     * differs by one ulp from a correctly rounded cos of the same float32 angle); run.c never reads them.
     */
    @Test
    void writeReproducesTheOriginalFile() throws IOException {
        Path original = Fixtures.stories260K();
        Path copy = dir.resolve("copy.bin");
        llama2c.write(llama2c.read(original), copy);
        byte[] expected = Files.readAllBytes(original);
        byte[] actual = Files.readAllBytes(copy);
        assertEquals(expected.length, actual.length);
        int weightsEnd = expected.length - FREQ_BYTES; // tied: nothing follows the tables
        assertArrayEquals(Arrays.copyOf(expected, weightsEnd), Arrays.copyOf(actual, weightsEnd),
                "header and weights byte for byte");
        ByteBuffer e = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer a = ByteBuffer.wrap(actual).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = weightsEnd; at < expected.length; at += Float.BYTES) {
            int ulps = Math.abs(Float.floatToIntBits(e.getFloat(at)) - Float.floatToIntBits(a.getFloat(at)));
            assertTrue(ulps <= 1, "freq_cis at byte " + at + ": " + e.getFloat(at) + " vs " + a.getFloat(at));
        }
    }

    /** llama2.c -> HF directory -> model -> llama2.c: the same bytes, through a half-split copy of Q and K. */
    @Test
    void roundTripThroughHuggingFaceDirectory() throws IOException {
        Model original = llama2c.read(Fixtures.stories260K());
        Path first = dir.resolve("first.bin");
        llama2c.write(original, first);

        Path hfDir = dir.resolve("stories-hf");
        hf.write(original, hfDir);
        Model fromHf = hf.read(hfDir);
        assertEquals(RopeLayout.HALF_SPLIT, ((Positions.Rope) fromHf.config().positions()).layout());
        assertSameModel(RopePermutation.toLayout(original, RopeLayout.HALF_SPLIT), fromHf);

        JsonNode config = SafetensorsFile.JSON.readTree(hfDir.resolve("config.json").toFile());
        assertEquals(8, config.get("head_dim").asInt());
        assertEquals(4, config.get("num_key_value_heads").asInt());
        assertEquals(1e-5, config.get("rms_norm_eps").asDouble());
        assertTrue(config.get("tie_word_embeddings").asBoolean());

        Path second = dir.resolve("second.bin");
        llama2c.write(fromHf, second);
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    }
}
