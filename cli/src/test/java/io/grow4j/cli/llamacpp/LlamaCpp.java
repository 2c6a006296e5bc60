package io.grow4j.cli.llamacpp;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp (de.kherud:llama 4.2.0, build b4916) as an outside engine for tests: greedy ids of a GGUF file, computed
 * in a forked JVM ({@link LlamaCppGreedyMain}) because the binding can abort its JVM and does not let it exit after
 * close() (shared/ENGINES.md). Where the native library does not load, the calling test is skipped with the reason, or
 * fails when CI=true.
 */
public final class LlamaCpp {
    private static final long TIMEOUT_SECONDS = 180;

    private LlamaCpp() {
    }

    /** What llama.cpp said about one file: the ids it generated, or why it refused to load the file. */
    public record Run(int[] ids, String refusal) {
        public int[] idsOrFail() {
            Assertions.assertNull(refusal, "llama.cpp refused the file");
            return ids;
        }
    }

    /**
     * Up to {@code steps} greedy ids from BOS (token 1), as grow4j's Generator and llama2.c's run.c produce them:
     * ids stop before a generated BOS. llama.cpp also stops after EOS (id 2 in the placeholder vocabulary), where
     * grow4j goes on: a comparison then sees a shorter list and fails rather than passing silently.
     */
    public static Run greedy(Path gguf, int steps) throws IOException, InterruptedException {
        // not "llama...": the binding deletes temporary files of that prefix when it loads
        Path log = Files.createTempFile("grow4j-engine-", ".log");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), LlamaCppGreedyMain.class.getName(),
                    gguf.toString(), Integer.toString(steps), Integer.toString(steps + 8))
                    .redirectError(log.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Assertions.fail("llama.cpp did not finish " + gguf + " in " + TIMEOUT_SECONDS + " s");
            }
            List<String> lines = out.lines().toList();
            for (String line : lines) {
                if (line.startsWith("unavailable ")) {
                    unavailable(line.substring("unavailable ".length()));
                } else if (line.startsWith("refused ")) {
                    return new Run(null, line.substring("refused ".length()) + ": " + loadErrors(log));
                } else if (line.startsWith("ids")) {
                    return new Run(untilBos(line.substring(3).trim()), null);
                }
            }
            return Assertions.fail("llama.cpp exited " + p.exitValue() + " on " + gguf + " without ids:\n" + out
                    + "\n" + tail(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int[] untilBos(String ids) {
        int[] all = ids.isEmpty() ? new int[0] : Arrays.stream(ids.split(" ")).mapToInt(Integer::parseInt).toArray();
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 1) {
                return Arrays.copyOf(all, i);
            }
        }
        return all;
    }

    private static void unavailable(String reason) {
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail("llama.cpp is unavailable under CI=true: " + reason);
        }
        System.err.println("skipped: llama.cpp is unavailable: " + reason);
        Assumptions.abort("llama.cpp is unavailable: " + reason);
    }

    /** llama.cpp's own lines saying why it did not load the file (its log goes to the child's stderr). */
    private static String loadErrors(Path log) throws IOException {
        return String.join(" | ", Files.readAllLines(log).stream()
                .filter(l -> l.contains("error") || l.contains("failed") || l.contains("unknown")).toList());
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
