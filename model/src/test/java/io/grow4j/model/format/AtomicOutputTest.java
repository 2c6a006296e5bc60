package io.grow4j.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Leftovers of killed runs are removed; those of live processes (a concurrent run) are not. */
class AtomicOutputTest {
    @Test
    void staleTemporariesOfDeadProcessesAreRemovedAndLiveOnesKept(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("grown");
        String prefix = AtomicOutput.temporaryPrefix(out);
        ProcessHandle self = ProcessHandle.current();
        long start = self.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        Path dead = Files.createDirectory(dir.resolve(prefix + deadPid() + "-12345-abcdef"));
        Files.writeString(dead.resolve("model.safetensors"), "half written");
        Path reused = Files.createDirectory(dir.resolve(prefix + self.pid() + "-" + (start + 1) + "-abcdef"));
        Path live = Files.createDirectory(dir.resolve(prefix + self.pid() + "-" + start + "-abcdef"));
        Path unrelated = Files.createDirectory(dir.resolve(".grown2.tmp-" + deadPid() + "-1-abcdef"));

        List<Path> removed = AtomicOutput.removeStale(out);

        assertFalse(Files.exists(dead), "a dead process's leftover is removed");
        assertEquals(start == 0, Files.exists(reused), "a pid reused by a process started at another time is stale");
        assertTrue(Files.exists(live), "this live process's temporary is kept");
        assertTrue(Files.exists(unrelated), "another output's temporaries are not touched");
        assertTrue(removed.contains(dead), removed.toString());
    }

    @Test
    void writingRemovesLeftoversFirst(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("grown.bin");
        Path dead = Files.writeString(dir.resolve(AtomicOutput.temporaryPrefix(out) + deadPid() + "-1-00"), "x");
        AtomicOutput.writeFile(out, tmp -> Files.writeString(tmp, "done"));
        assertEquals("done", Files.readString(out));
        assertFalse(Files.exists(dead));
    }

    /** A pid above the kernel's limit (pid_max is at most 2^22) belongs to no process. */
    static long deadPid() {
        return (1L << 22) + 17;
    }
}
