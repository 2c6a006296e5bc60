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

    /** The child's peak resident set in bytes, from the VmHWM line StreamGrowChild prints. */
    static long peakRss(Path log) throws IOException {
        Matcher m = Pattern.compile("VmHWM:\\s+(\\d+) kB").matcher(Files.readString(log));
        if (!m.find()) {
            throw new AssertionError("no VmHWM line in the child's output:\n" + Files.readString(log));
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
