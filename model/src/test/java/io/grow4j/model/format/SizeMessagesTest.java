package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8 fault 7: sizes past 64 bits are named with the tensor and the limit, not as -1 bytes or negative offsets. */
class SizeMessagesTest {
    @TempDir
    Path dir;

    @Test
    void safetensorsShapePastSixtyFourBitsIsNotMinusOneBytes() throws IOException {
        String json = "{\"w\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("huge.safetensors");
        Files.write(file, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array());
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file, arena));
            assertTrue(e.getMessage().contains("w: data_offsets [0,0] hold 0 bytes, but F32[4611686018427387904, 4]"
                    + " needs more than 2^63 - 1") && !e.getMessage().contains("-1 bytes"), e.getMessage());
        }
    }

    @Test
    void ggufOffsetWrappingPastSixtyFourBitsIsNotANegativeSpan() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 21);
        Path file = new GgufBytes().llamaConfig(model.config()).llamaTensors(model).lastOffset(Long.MAX_VALUE - 31)
                .write(dir.resolve("wrap.gguf"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> new GgufFormat().read(file));
        assertTrue(e.getMessage().contains("tensor 'blk.1.ffn_down.weight' (F32 dims [24, 16]) ends past byte 2^63 - 1"
                + " (1536 bytes at data section offset 9223372036854775776), outside the file"), e.getMessage());
        assertTrue(!e.getMessage().contains("bytes -"), e.getMessage());
    }

    @Test
    void tensorSizesPastSixtyFourBitsNameTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.allocate(DType.F32, 1L << 62, 4));
        assertTrue(e.getMessage().equals("a F32 tensor of shape [4611686018427387904, 4] needs more than 2^63 - 1"
                + " bytes"), e.getMessage());
    }
}
