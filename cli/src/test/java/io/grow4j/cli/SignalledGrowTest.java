package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code grow --force} ended part-way by a signal, in its own JVM: the old output survives, SIGTERM leaves no
 * temporary or lock file, and after SIGKILL the next run cleans up. The child runs interpreted ({@code -Xint}) so that
 * a small model takes seconds to grow and is reliably caught with its temporary output half written.
 */
class SignalledGrowTest {
    @TempDir
    Path dir;
    Path in;
    Path plan;
    Path out;

    @BeforeEach
    void writeModelAndOldOutput() throws IOException {
        in = dir.resolve("in");
        SyntheticCheckpoints.write(in, SyntheticCheckpoints.llamaShaped(128), DType.BF16, 5, 4L << 20);
        plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 3\nsteps:\n  - mlp: {size: 768}\n"
                + "  - layers: {add: 1, at: [1]}\n");
        out = Files.createDirectory(dir.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
    }

    @Test
    void sigtermKeepsTheOldOutputAndLeavesNothingBehind() throws Exception {
        Process child = startGrow();
        waitForHalfWrittenTemporary(child);
        child.destroy();
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not end on SIGTERM");
        assertNotEquals(0, child.exitValue(), log());
        assertEquals("old", Files.readString(out.resolve("old.txt")), "--force cost the old output");
        assertEquals(List.of("child.log", "in", "out", "plan.yaml"), names(), "temporary or lock file left");
    }

    @Test
    void sigkillKeepsTheOldOutputAndTheNextRunCleansUp() throws Exception {
        Process child = startGrow();
        waitForHalfWrittenTemporary(child);
        child.destroyForcibly();
        assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not end on SIGKILL");
        assertEquals("old", Files.readString(out.resolve("old.txt")), "--force cost the old output");
        Cli rerun = Cli.run("grow", in.toString(), "--plan", plan.toString(), "--out", out.toString(), "--force");
        assertEquals(0, rerun.exitCode(), rerun.err());
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        assertEquals(List.of("child.log", "in", "out", "plan.yaml"), names(), "the dead run's leftovers remain");
    }

    private Process startGrow() throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "-Xmx256m", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Grow4j.class.getName(), "grow", in.toString(),
                "--plan", plan.toString(), "--out", out.toString(), "--force")
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    /** Until a shard of the temporary output has bytes while the child still runs. */
    private void waitForHalfWrittenTemporary(Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                fail("the child ended before it could be signalled (exit " + child.exitValue() + "):\n" + log());
            }
            if (temporary().map(SignalledGrowTest::hasBytes).orElse(false)) {
                return;
            }
            Thread.sleep(5);
        }
        child.destroyForcibly();
        fail("the child wrote nothing in time:\n" + log());
    }

    private Optional<Path> temporary() throws IOException {
        String prefix = AtomicOutput.temporaryPrefix(out);
        try (Stream<Path> siblings = Files.list(dir)) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst();
        }
    }

    private static boolean hasBytes(Path temporary) {
        try (Stream<Path> files = Files.list(temporary)) {
            return files.anyMatch(f -> f.toFile().length() > 0);
        } catch (IOException e) {
            return false; // not created yet, or renamed away
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("child.log"));
    }
}
