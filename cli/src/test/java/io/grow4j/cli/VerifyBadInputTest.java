package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * verify maps its checkpoints in place, so a file shorter than its header claims must be refused from the header,
 * before any tensor is mapped past the end: exit 2, the file and the tensor it cuts named, no stack trace.
 */
class VerifyBadInputTest {
    @TempDir
    Path dir;

    @Test
    void truncatedSafetensorsIsRefusedFromItsHeader() throws IOException {
        Path model = dir.resolve("m");
        SyntheticCheckpoints.write(model, SyntheticCheckpoints.llamaShaped(128), DType.BF16, 1, 1L << 30);
        Path weights = model.resolve("model.safetensors");
        try (RandomAccessFile file = new RandomAccessFile(weights.toFile(), "rw")) {
            file.setLength(file.length() - 4096);
        }
        Cli run = Cli.run("verify", model.toString(), model.toString(), "--sequences", "1", "--length", "4");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().startsWith("grow4j verify: error: "), run.err());
        assertTrue(run.err().contains("model.safetensors") && run.err().contains("past the end of the file"),
                run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void truncatedLlama2cIsRefusedFromItsHeader() throws IOException {
        byte[] bytes = Files.readAllBytes(Stories.shaped());
        Path truncated = Files.write(dir.resolve("truncated.bin"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Cli run = Cli.run("verify", Stories.shaped().toString(), truncated.toString(), "--sequences", "1",
                "--length", "4");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("truncated.bin") && run.err().contains("truncated"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }
}
