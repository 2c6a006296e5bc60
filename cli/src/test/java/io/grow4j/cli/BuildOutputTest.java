package io.grow4j.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Maven's output in this project holds no terminal escape codes (issue 8, fault 8: the first build of ./grow4j
 * printed jansi's "ESC[0m" resets even in batch mode, into logs and pipes). Runs Maven as ./grow4j and ./run-tests
 * do, on the root project only (a few seconds, nothing compiled).
 */
class BuildOutputTest {
    @Test
    void mavenPrintsNoEscapeCodes() throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("run-tests"))) {
            root = root.getParent();
        }
        assertTrue(root != null, "the repository root (with run-tests) above " + Path.of("").toAbsolutePath());
        assumeTrue(onPath("mvn"), "mvn is not on PATH");
        Process mvn = new ProcessBuilder("mvn", "-q", "-B", "-o", "-N", "validate")
                .directory(root.toFile()).redirectErrorStream(true).start();
        byte[] output = mvn.getInputStream().readAllBytes();
        assertTrue(mvn.waitFor(2, TimeUnit.MINUTES));
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, mvn.exitValue(), text);
        assertFalse(text.contains("\u001b"), "terminal escape codes in Maven's output: "
                + text.replace("\u001b", "ESC"));
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
