package io.grow4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A write that fails midway (a full disk: the operating system says only "No space left on device") is reported
 * naming the output, and leaves nothing behind; a message that already names the output is kept as it is.
 */
class OutputClaimTest {
    @TempDir
    Path dir;

    @Test
    void aFailureThatNamesNoFileGetsTheOutputNamed() throws IOException {
        Path out = dir.resolve("o");
        try (OutputClaim claim = OutputClaim.replacing(out, false)) {
            IOException e = assertThrows(IOException.class, () -> claim.write(temporary -> {
                Files.createDirectory(temporary);
                Files.write(temporary.resolve("model.safetensors"), new byte[100]);
                throw new IOException("No space left on device");
            }));
            assertEquals("output " + out + ": writing failed: No space left on device; nothing was written",
                    e.getMessage());
        }
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the temporary and the lock are removed");
        }
    }

    @Test
    void aFailedForcedWriteSaysTheOldOutputIsKept() throws IOException {
        Path out = Files.writeString(dir.resolve("m.bin"), "old");
        try (OutputClaim claim = OutputClaim.replacing(out, true)) {
            IOException e = assertThrows(IOException.class, () -> claim.produce(temporary -> {
                throw new IOException("No space left on device");
            }));
            assertEquals("output " + out + ": writing failed: No space left on device; nothing was written"
                    + " (the existing output is kept)", e.getMessage());
        }
        assertEquals("old", Files.readString(out));
    }

    @Test
    void aMessageNamingTheTemporaryIsKept() throws IOException {
        Path out = dir.resolve("grown");
        IOException own = new IOException("not enough free disk space for " + dir.toAbsolutePath()
                .resolve(".grown.tmp-1-2-3") + ": the grown model needs ...");
        try (OutputClaim claim = OutputClaim.replacing(out, false)) {
            assertSame(own, assertThrows(IOException.class, () -> claim.write(temporary -> {
                throw own;
            })));
        }
        assertFalse(Files.exists(out));
    }
}
