package io.grow4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * OpenBLAS sgemm on the same machine in the same run, through a small C harness compiled at run time with gcc
 * against Debian's libopenblas. When gcc or OpenBLAS is missing the baseline is skipped with the reason, never faked.
 */
public final class OpenBlasBaseline {

    /** The measurement, or why there is none. */
    public record Outcome(BenchResult result, String skipped) {
    }

    public Outcome matmul(int n, int runs) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("grow4j-sgemm");
            Path source = dir.resolve("sgemm_harness.c");
            try (InputStream in = OpenBlasBaseline.class.getResourceAsStream("sgemm_harness.c")) {
                if (in == null) {
                    return new Outcome(null, "sgemm_harness.c missing from the bench jar");
                }
                Files.write(source, in.readAllBytes());
            }
            Path binary = dir.resolve("sgemm_harness");
            String built = run(List.of("gcc", "-O2", source.toString(), "-o", binary.toString(), "-lopenblas"), 120);
            if (built != null) {
                return new Outcome(null, "cannot build the OpenBLAS harness (needs gcc and libopenblas-dev; "
                        + "scripts/install-opencl.sh installs both): " + built);
            }
            return measure(binary, n, runs);
        } catch (IOException e) {
            return new Outcome(null, "cannot prepare the OpenBLAS harness: " + e.getMessage());
        } finally {
            deleteQuietly(dir);
        }
    }

    private Outcome measure(Path binary, int n, int runs) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), String.valueOf(n), String.valueOf(runs));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return new Outcome(null, "OpenBLAS harness failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted");
        }
        String[] parts = output.split(" ", 3);
        double seconds = Double.parseDouble(parts[0]);
        String device = (parts.length > 2 ? parts[2] : "OpenBLAS") + ", " + parts[1] + " threads";
        return new Outcome(BenchResult.compute("matmul", n + "x" + n + "x" + n, "openblas", device, seconds,
                2.0 * n * n * n), null);
    }

    /** Runs a command; null when it succeeded, else its output or the reason it could not start. */
    private static String run(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out";
            }
            return p.exitValue() == 0 ? null : output;
        } catch (IOException e) {
            return command.getFirst() + " not found (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
