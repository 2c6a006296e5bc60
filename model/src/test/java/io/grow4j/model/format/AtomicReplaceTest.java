package io.grow4j.model.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replacing an output: the old one stays until the new one is complete, a concurrent writer of the same name is
 * refused, and an interrupted write leaves nothing behind (SIGTERM) or only what the next write cleans up (SIGKILL).
 */
class AtomicReplaceTest {
    @TempDir
    Path dir;

    @Test
    void aFailedReplacementLeavesTheOldOutputUntouched() throws IOException {
        Path out = oldDirectory();
        IOException e = assertThrows(IOException.class, () -> AtomicOutput.replace(out, temporary -> {
            Files.createDirectory(temporary);
            Files.writeString(temporary.resolve("model.safetensors"), "half");
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals("old", Files.readString(out.resolve("old.txt")));
        assertEquals(List.of("out"), names());
    }

    @Test
    void aDirectoryIsReplacedByADirectoryOrAFileAndAFileByADirectory() throws IOException {
        Path out = oldDirectory();
        AtomicOutput.replace(out, temporary -> {
            Files.createDirectory(temporary);
            Files.writeString(temporary.resolve("config.json"), "{}");
        });
        assertEquals(List.of("config.json"), names(out));
        AtomicOutput.replace(out, temporary -> Files.writeString(temporary, "a file now"));
        assertEquals("a file now", Files.readString(out));
        AtomicOutput.replace(out, temporary -> Files.writeString(temporary, "another file"));
        assertEquals("another file", Files.readString(out));
        AtomicOutput.replace(out, Files::createDirectory);
        assertTrue(Files.isDirectory(out));
        assertEquals(List.of("out"), names(), "no temporary, moved-aside or lock file is left");
    }

    @Test
    void aSymlinkAtOutIsReplacedNotFollowed() throws IOException {
        Path target = oldDirectory();
        Path out = Files.createSymbolicLink(dir.resolve("link"), target);
        AtomicOutput.replace(out, temporary -> Files.writeString(temporary, "new"));
        assertEquals("new", Files.readString(out));
        assertEquals("old", Files.readString(target.resolve("old.txt")));
    }

    @Test
    void anOldOutputLeftAsideByAKilledRunIsPutBackOrRemoved() throws IOException {
        Path out = dir.resolve("out");
        Path aside = Files.createDirectory(dir.resolve(".out.old-" + AtomicOutputTest.deadPid() + "-1-abcdef"));
        Files.writeString(aside.resolve("old.txt"), "old");
        AtomicOutput.removeStale(out);
        assertEquals("old", Files.readString(out.resolve("old.txt")), "nothing took its name: it is put back");

        Path second = Files.createDirectory(dir.resolve(".out.old-" + AtomicOutputTest.deadPid() + "-2-abcdef"));
        AtomicOutput.removeStale(out);
        assertFalse(Files.exists(second), "the output has its name: the old copy is deleted");
        assertEquals(List.of("out"), names());
    }

    @Test
    void aSecondWriterOfTheSameOutputIsRefusedWhileTheFirstWrites() throws Exception {
        Path out = dir.resolve("grown.gguf");
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> first = CompletableFuture.runAsync(() -> {
            try {
                AtomicOutput.writeFile(out, temporary -> {
                    Files.writeString(temporary, "first");
                    writing.countDown();
                    await(release);
                });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(writing.await(30, TimeUnit.SECONDS));
        OutputInUseException e = assertThrows(OutputInUseException.class,
                () -> AtomicOutput.writeFile(out, temporary -> Files.writeString(temporary, "second")));
        assertEquals(out.toString(), e.getFile());
        assertTrue(e.getReason().startsWith("another run (thread "), e.getReason());
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertEquals("first", Files.readString(out));
        assertEquals(List.of("grown.gguf"), names(), "the lock file is removed at the end");
    }

    @Test
    void theClaimIsReentrantForItsThreadAndTheSameForEverySpellingOfOut() throws Exception {
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("plink"), real);
        try (OutputLock outer = OutputLock.acquire(real.resolve("m.bin"))) {
            AtomicOutput.writeFile(link.resolve("m.bin"), temporary -> Files.writeString(temporary, "x"));
            Future<Throwable> other = CompletableFuture.supplyAsync(() -> assertThrows(OutputInUseException.class,
                    () -> OutputLock.acquire(link.resolve("m.bin"))));
            assertInstanceOf(OutputInUseException.class, other.get(30, TimeUnit.SECONDS));
            assertTrue(Files.exists(OutputLock.lockFile(outer.out())), "still held by the outer claim");
        }
        assertEquals(List.of("m.bin"), names(real));
    }

    @Test
    void anotherProcessWritingTheOutputIsNamedByItsPid() throws Exception {
        Path out = oldDirectory();
        Process child = startChild(out);
        try {
            waitUntilWriting(child);
            OutputInUseException e = assertThrows(OutputInUseException.class,
                    () -> AtomicOutput.replace(out, temporary -> Files.writeString(temporary, "mine")));
            assertTrue(e.getReason().startsWith("another run (pid " + child.pid() + ")"), e.getReason());
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void sigtermPartWayRemovesTheTemporaryAndKeepsTheOldOutput() throws Exception {
        Path out = oldDirectory();
        Process child = startChild(out);
        Path temporary = waitUntilWriting(child);
        assertTrue(Files.exists(temporary));
        child.destroy(); // SIGTERM: shutdown hooks run
        assertTrue(child.waitFor(1, TimeUnit.MINUTES), "the child did not end on SIGTERM");
        assertEquals(List.of("out"), names(), "no temporary or lock file may outlive the run");
        assertEquals("old", Files.readString(out.resolve("old.txt")));
    }

    @Test
    void sigkillPartWayKeepsTheOldOutputAndTheNextWriteCleansUp() throws Exception {
        Path out = oldDirectory();
        Process child = startChild(out);
        waitUntilWriting(child);
        child.destroyForcibly();
        assertTrue(child.waitFor(1, TimeUnit.MINUTES));
        assertEquals("old", Files.readString(out.resolve("old.txt")), "--force must not cost the old output");
        AtomicOutput.replace(out, temporary -> Files.writeString(temporary, "new"));
        assertEquals("new", Files.readString(out));
        assertEquals(List.of("out"), names());
    }

    private Path oldDirectory() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        return out;
    }

    private List<String> names() throws IOException {
        return names(dir);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Process startChild(Path out) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), SlowWriteChild.class.getName(), out.toString())
                .redirectErrorStream(true).start();
    }

    /** The temporary the child announced; fails with the child's output if it ended first. */
    private static Path waitUntilWriting(Process child) throws IOException, ExecutionException, InterruptedException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Future<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder seen = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("writing ")) {
                        return line;
                    }
                    seen.append(line).append('\n');
                }
                return "ended: " + seen;
            } catch (IOException e) {
                return "unreadable: " + e;
            }
        });
        String line;
        try {
            line = first.get(2, TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            child.destroyForcibly();
            throw new AssertionError("the child did not start writing in time");
        }
        assertTrue(line.startsWith("writing "), line);
        return Path.of(line.substring("writing ".length()));
    }
}
