package io.grow4j.cli.jlama;

import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jlama (com.github.tjake:jlama-core 0.8.4) as an outside engine for tests: greedy ids and first-position logits of a
 * Hugging Face directory, computed in a forked JVM ({@link JlamaGreedyMain}) started with the preview features and
 * the Vector API Jlama needs. Jlama reads a tokenizer.json and eos_token_id even when fed ids: {@link #prepare} adds
 * minimal ones to a copy's config (shared/ENGINES.md).
 */
public final class Jlama {
    private static final long TIMEOUT_SECONDS = 300;

    private Jlama() {
    }

    /** Greedy ids from BOS and the logits after BOS. */
    public record Run(int[] ids, double[] firstLogits) {
    }

    /** Adds eos_token_id 2 to config.json and a tokenizer.json whose piece for id i is "[i]", for Jlama's loader. */
    public static void prepare(Path dir, int vocab) throws IOException {
        Path config = dir.resolve("config.json");
        String json = Files.readString(config).strip();
        Files.writeString(config, json.substring(0, json.lastIndexOf('}')) + ", \"eos_token_id\": 2, \"bos_token_id\": 1}");
        StringBuilder tokens = new StringBuilder();
        for (int i = 0; i < vocab; i++) {
            tokens.append(i == 0 ? "" : ", ").append("\"[").append(i).append("]\": ").append(i);
        }
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": null,"
                + " \"pre_tokenizer\": null, \"model\": {\"type\": \"BPE\", \"vocab\": {" + tokens + "}, \"merges\": []}}");
    }

    public static Run greedy(Path dir, int steps) throws IOException, InterruptedException {
        Path log = Files.createTempFile("grow4j-engine-", ".log");
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-preview", "--add-modules", "jdk.incubator.vector", "-cp",
                    System.getProperty("java.class.path"), JlamaGreedyMain.class.getName(), dir.toString(),
                    Integer.toString(steps)).redirectError(log.toFile()).start();
            p.getOutputStream().close();
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Assertions.fail("Jlama did not finish " + dir + " in " + TIMEOUT_SECONDS + " s");
            }
            int[] ids = null;
            double[] logits = null;
            for (String line : lines) {
                if (line.startsWith("ids ")) {
                    ids = Arrays.stream(line.substring(4).split(" ")).mapToInt(Integer::parseInt).toArray();
                } else if (line.startsWith("logits0 ")) {
                    logits = Arrays.stream(line.substring(8).split(" ")).mapToDouble(Double::parseDouble).toArray();
                }
            }
            if (ids == null || logits == null) {
                List<String> err = Files.readAllLines(log);
                Assertions.fail("Jlama exited " + p.exitValue() + " on " + dir + " without ids:\n"
                        + String.join("\n", err.subList(Math.max(0, err.size() - 20), err.size())));
            }
            return new Run(ids, logits);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
