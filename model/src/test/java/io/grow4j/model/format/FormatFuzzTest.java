package io.grow4j.model.format;


import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.fixtures.BoundedRuns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: a seeded fuzzer over the readers. Each round mutates a small valid checkpoint (llama2.c, GGUF, a Hugging
 * Face directory's model.safetensors or config.json) with one of {@link Mutation}'s kinds and reads it through
 * {@link ModelFormats}: the read must succeed, or fail with a {@link CheckpointException} or an
 * {@link IllegalArgumentException} whose message names the file, within {@link #PER_INPUT_SECONDS}. Anything else
 * (another exception, an Error such as OutOfMemoryError, a hang) fails the test with the seed, the round and the
 * mutation, so the case can be replayed with {@link #replay}; each such case found so far is kept in
 * {@link #regressions}.
 */
class FormatFuzzTest {
    static final long SEED = Long.getLong("grow4j.fuzz.seed", 20261130L);
    static final int ROUNDS = Integer.getInteger("grow4j.fuzz.rounds", 400);
    private static final int PER_INPUT_SECONDS = 10;
    private static BoundedRuns worker;

    @TempDir
    static Path dir;
    private static Seeds seeds;

    @BeforeAll
    static void writeSeeds() throws IOException {
        worker = new BoundedRuns("format-fuzz", PER_INPUT_SECONDS);
        seeds = Seeds.write(dir.resolve("seeds"));
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    @Test
    void llama2cFiles() throws IOException {
        fuzz("llama2.c", seeds.llama2c(), "model.bin");
    }

    @Test
    void ggufFiles() throws IOException {
        fuzz("gguf", seeds.gguf(), "model.gguf");
    }

    @Test
    void safetensorsOfADirectory() throws IOException {
        fuzz("safetensors", seeds.hf(), SafetensorsCheckpoint.SINGLE);
    }

    @Test
    void configJsonOfADirectory() throws IOException {
        fuzz("config.json", seeds.hf(), HfDirectoryFormat.CONFIG);
    }

    /** Inputs that once failed (format, round) under {@link #SEED}; replayed first, whatever ROUNDS is. */
    @Test
    void regressions() throws IOException {
        for (Object[] c : REGRESSIONS) {
            Path seed = switch ((String) c[0]) {
                case "llama2.c" -> seeds.llama2c();
                case "gguf" -> seeds.gguf();
                default -> seeds.hf();
            };
            String target = switch ((String) c[0]) {
                case "llama2.c" -> "model.bin";
                case "gguf" -> "model.gguf";
                case "safetensors" -> SafetensorsCheckpoint.SINGLE;
                default -> HfDirectoryFormat.CONFIG;
            };
            replay((String) c[0], seed, target, (Long) c[1], (Integer) c[2]);
        }
    }

    /** {format, seed, round}: each a case this fuzzer found, fixed since. */
    private static final Object[][] REGRESSIONS = {
            // hidden_size made 2147483647: heads x head size past the largest axis, an IllegalArgumentException
            // without the file's name from the config codec.
            {"config.json", 20261130L, 7},
    };

    private void fuzz(String format, Path seed, String target) throws IOException {
        for (int round = 0; round < ROUNDS; round++) {
            replay(format, seed, target, SEED, round);
        }
    }

    /** One input: the seed checkpoint with {@code target} mutated by round {@code round} of {@code seed}. */
    static void replay(String format, Path seedCheckpoint, String target, long seed, int round) throws IOException {
        Random random = new Random(seed * 1_000_003L + round * 31L + format.hashCode());
        Path input = dir.resolve("inputs").resolve(format + "-" + round);
        Path checkpoint = copy(seedCheckpoint, input);
        Path file = Files.isDirectory(checkpoint) ? checkpoint.resolve(target) : checkpoint;
        byte[] original = Files.readAllBytes(file);
        Mutation mutation = target.endsWith(".json") ? Mutation.json(original, random) : Mutation.binary(original, random);
        Files.write(file, mutation.apply(original));
        String where = "fuzz " + format + " seed " + seed + " round " + round + ": " + mutation;
        try {
            // Both entry points: the whole-model read, and the header-only open the streamed growth starts with.
            expectCleanOutcome(where + " (read)", checkpoint, () -> ModelFormats.forInput(checkpoint).read(checkpoint));
            if (Files.isDirectory(checkpoint)) {
                expectCleanOutcome(where + " (HfCheckpoint.open)", checkpoint, () -> HfCheckpoint.open(checkpoint));
            } else if (format.equals("gguf")) {
                expectCleanOutcome(where + " (GgufCheckpoint.open)", checkpoint, () -> GgufCheckpoint.open(checkpoint));
            }
        } finally {
            deleteRecursively(input);
        }
    }

    /** Success, or a CheckpointException or IllegalArgumentException naming the file, within the time limit. */
    private static void expectCleanOutcome(String where, Path checkpoint, Callable<?> entryPoint) {
        worker.expectReadOrRefusalNaming(where, checkpoint.getFileName().toString(), entryPoint);
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Path target = to.resolve(from.getFileName());
        if (Files.isDirectory(from)) {
            Files.createDirectories(target);
            try (var files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, target.resolve(f.getFileName()));
                }
            }
        } else {
            Files.copy(from, target);
        }
        return target;
    }

    private static void deleteRecursively(Path path) {
        try (var walk = Files.walk(path)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Small valid checkpoints, one per format, written once by the formats themselves. */
    record Seeds(Path llama2c, Path gguf, Path hf) {
        static Seeds write(Path dir) throws IOException {
            Files.createDirectories(dir);
            Model interleaved = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 5);
            Model half = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.F32, 5);
            Path bin = dir.resolve("model.bin");
            new Llama2cFormat().write(interleaved, bin);
            Path gguf = dir.resolve("model.gguf");
            new GgufFormat().write(interleaved, gguf);
            Path hf = dir.resolve("hf");
            new HfDirectoryFormat().write(half, hf);
            return new Seeds(bin, gguf, hf);
        }
    }
}
