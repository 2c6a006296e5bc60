package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 fault 5: a layer count of 2^31 - 1 in a GGUF file (a hang) or config.json (a minute, gigabytes, then
 * OutOfMemoryError) is refused at once against the tensors the checkpoint holds, naming the key and both counts.
 */
class LayerCountBoundsTest {
    private static final Duration AT_ONCE = Duration.ofSeconds(10);
    private final Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 3);

    @TempDir
    Path dir;

    @Test
    void ggufBlockCountBeyondTheTensorsIsRefused() throws IOException {
        Path file = dir.resolve("m.gguf");
        new GgufFormat().write(model, file);
        setUint32After(file, "llama.block_count", Integer.MAX_VALUE);
        for (Executable read : new Executable[] {() -> new GgufFormat().read(file), () -> GgufCheckpoint.open(file)}) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> assertTimeoutPreemptively(AT_ONCE, read::run));
            assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(
                    "llama.block_count 2147483647 is more than the 21 tensors the checkpoint holds"), e.getMessage());
        }
    }

    @Test
    void configLayerCountBeyondTheTensorsIsRefused() throws IOException {
        Path out = dir.resolve("hf");
        new HfDirectoryFormat().write(model, out);
        Path config = out.resolve("config.json");
        ObjectNode json = (ObjectNode) SafetensorsFile.JSON.readTree(config.toFile());
        Files.writeString(config, json.put("num_hidden_layers", Integer.MAX_VALUE).toString());
        for (Executable read : new Executable[] {() -> new HfDirectoryFormat().read(out), () -> HfCheckpoint.open(out)}) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> assertTimeoutPreemptively(AT_ONCE, read::run));
            assertTrue(e.getMessage().startsWith(config + ": num_hidden_layers 2147483647 is more than the 21 tensors"),
                    e.getMessage());
        }
    }

    /** A read that may throw anything; assertTimeoutPreemptively rethrows what it throws. */
    private interface Executable {
        void run() throws Throwable;
    }

    /** Overwrites the uint32 value of a GGUF metadata key (key string, then type u32, then the value). */
    private static void setUint32After(Path file, String key, int value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] name = key.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, name) + name.length + 4;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        Files.write(file, bytes);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
