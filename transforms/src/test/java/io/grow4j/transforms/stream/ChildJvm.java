package io.grow4j.transforms.stream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starts a test main in a separate JVM with this test's classpath, output to a log file (no pipe to fill). */
final class ChildJvm {
    private ChildJvm() {
    }

    static Process start(Class<?> main, String maxHeap, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Runs {@link StreamGrowChild} on IN PLAN OUT with the given heap, fails the test (with the child's last output)
     * unless it ends with exit 0 within {@code minutes}, and returns its peak resident set in bytes.
     */
    static long growInChild(String maxHeap, Path log, int minutes, String... args) throws IOException,
            InterruptedException {
        Process child = start(StreamGrowChild.class, maxHeap, log, args);
        if (!child.waitFor(minutes, java.util.concurrent.TimeUnit.MINUTES)) {
            child.destroyForcibly();
            org.junit.jupiter.api.Assertions.fail("the child JVM did not finish; its output:\n" + tail(log));
        }
        org.junit.jupiter.api.Assertions.assertEquals(0, child.exitValue(), () -> "child JVM failed:\n" + tail(log));
        return peakRss(log);
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** The child's peak resident set in bytes, from the VmHWM line StreamGrowChild prints. */
    static long peakRss(Path log) throws IOException {
        Matcher m = Pattern.compile("VmHWM:\\s+(\\d+) kB").matcher(Files.readString(log));
        if (!m.find()) {
            throw new AssertionError("no VmHWM line in the child's output:\n" + Files.readString(log));
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
