package io.grow4j.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad input of the core issue: a one-line error per problem naming it (step, tensor, sizes), exit code 2, and
 * nothing written.
 */
class BadInputTest {
    @TempDir
    Path dir;
    Path stories;
    Path out;

    @BeforeEach
    void setUp() throws IOException {
        stories = Stories.randomLike(Files.createDirectory(dir.resolve("model")));
        out = dir.resolve("out");
    }

    private Cli grow(Path model, String plan) throws IOException {
        Path planFile = Files.writeString(dir.resolve("plan.yaml"), plan);
        return Cli.run("grow", model.toString(), "--plan", planFile.toString(), "--out", out.toString());
    }

    /** Exit 2, each expected fragment on its own error line, and no output or leftover temporary files. */
    private void assertRefused(Cli run, String... fragments) throws IOException {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        List<String> lines = run.err().lines().toList();
        for (String fragment : fragments) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("grow4j grow: error: ") && l.contains(fragment)),
                    "no error line containing '" + fragment + "' in:\n" + run.err());
        }
        assertFalse(Files.exists(out), "output written despite the error");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.contains("tmp")), "temporary files left: " + names);
        }
    }

    @Test
    void shrinkingOrUnchangedSizes() throws IOException {
        assertRefused(grow(stories, "steps:\n  - mlp: {size: 100}\n  - hidden: {size: 64}\n"),
                "step 1 (mlp): MLP size 100 would shrink it from 172 (growth only)",
                "step 2 (hidden): hidden size is already 64: the size must grow");
    }

    @Test
    void nonIntegerRopeHeadRatio() throws IOException {
        assertRefused(grow(stories, "steps:\n  - head_dim: {size: 12}\n"),
                "step 1 (head_dim): head size 8 -> 12 on a RoPE model needs an integer ratio");
    }

    @Test
    void unevenGqaGroups() throws IOException {
        assertRefused(grow(stories, "steps:\n  - heads: {add: 3}\n"),
                "step 1 (heads): heads: add 3 leaves GQA groups uneven: 8 query heads over 4 kv heads (2 per group)");
    }

    @Test
    void separateHeadSizesOnAOneHeadSizeFormat() throws IOException {
        assertRefused(grow(stories, "steps:\n  - head_key: {size: 16}\n  - head_value: {size: 16}\n"),
                "step 1 (head_key): head_key alone is not possible on llama",
                "step 2 (head_value): head_value alone is not possible on llama");
    }

    @Test
    void hiddenGrowthWrittenToLlama2c() throws IOException {
        out = dir.resolve("out.bin");
        assertRefused(grow(stories, "steps:\n  - hidden: {size: 128}\n"),
                "output " + out + " (llama2.c): llama2.c fixes the norm epsilon at 1e-5");
    }

    @Test
    void unknownStepsAndFields() throws IOException {
        assertRefused(grow(stories, "seed: 1\nsteps:\n  - widen: {size: 3}\n  - mlp: {size: 256, how: fast}\n"),
                "step 1: unknown step 'widen'", "step 2 (mlp): unknown field 'how' (allowed: init, noise, size)");
    }

    @Test
    void malformedYaml() throws IOException {
        assertRefused(grow(stories, "steps:\n  - mlp: {size: [\n"), "malformed YAML");
    }

    @Test
    void missingModel() throws IOException {
        assertRefused(grow(dir.resolve("nope.bin"), "steps:\n  - mlp: {size: 256}\n"), "nope.bin");
    }

    @Test
    void truncatedModel() throws IOException {
        byte[] bytes = Files.readAllBytes(stories);
        Path truncated = Files.write(dir.resolve("truncated.bin"), Arrays.copyOf(bytes, 300_000));
        assertRefused(grow(truncated, "steps:\n  - mlp: {size: 256}\n"), "truncated.bin", "truncated");
    }

    @Test
    void corruptModelDirectory() throws IOException {
        Path model = Files.createDirectory(dir.resolve("corrupt"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"llama\", \"hidden_size\": ");
        Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertRefused(grow(model, "steps:\n  - mlp: {size: 256}\n"), "config.json");
    }

    @Test
    void existingOutput() throws IOException {
        Files.createDirectory(out);
        Files.writeString(out.resolve("keep.txt"), "mine");
        Cli run = grow(stories, "steps:\n  - mlp: {size: 256}\n");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("output " + out + " already exists (use --force to replace it)"), run.err());
        assertEquals("mine", Files.readString(out.resolve("keep.txt")), "existing output touched");
    }

    @Test
    void forceReplacesAnExistingOutput() throws IOException {
        Files.createDirectory(out);
        Files.writeString(out.resolve("old.txt"), "old");
        Path planFile = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 256}\n");
        Cli run = Cli.run("grow", stories.toString(), "--plan", planFile.toString(), "--out", out.toString(), "--force");
        assertEquals(0, run.exitCode(), run.err());
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }

    /** ONNX output writes into the graph the model was read from: refused before growing a model from elsewhere. */
    @Test
    void onnxOutputNeedsAnOnnxSource() throws IOException {
        out = dir.resolve("out.onnx");
        assertRefused(grow(stories, "steps:\n  - mlp: {size: 256}\n"),
                "ONNX output holds BERT encoders only", "the model was not read from an ONNX graph");
    }

    @Test
    void quantizedOutputDtypeIsRefused() throws IOException {
        Path planFile = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 256}\n");
        Cli run = Cli.run("grow", stories.toString(), "--plan", planFile.toString(), "--out", out.toString(),
                "--dtype", "q8_0");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("quantized output dtype 'q8_0' is not supported"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void outputDtypeConvertsTheGrownTensors() throws IOException {
        Path planFile = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 256}\n");
        Cli run = Cli.run("grow", stories.toString(), "--plan", planFile.toString(), "--out", out.toString(),
                "--dtype", "bf16");
        assertEquals(0, run.exitCode(), run.err());
        Cli inspect = Cli.run("inspect", out.toString());
        assertTrue(inspect.out().contains("dtype        BF16"), inspect.out());
        assertTrue(inspect.out().contains("mlp          256"), inspect.out());
    }

    @Test
    void allProblemsOfAPlanAreReportedTogether() throws IOException {
        assertRefused(grow(stories, "steps:\n  - mlp: {size: 1}\n  - heads: {add: 1}\n  - head_dim: {size: 9}\n"),
                "step 1 (mlp)", "step 2 (heads)", "step 3 (head_dim)");
    }
}
