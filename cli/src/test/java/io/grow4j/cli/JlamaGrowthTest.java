package io.grow4j.cli;

import io.grow4j.cli.jlama.Jlama;
import io.grow4j.kernels.forward.ReferenceForward;
import io.grow4j.model.Model;
import io.grow4j.model.fixtures.RequiresSharedData;
import io.grow4j.model.format.ModelFormats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jlama runs stories260K grown into a Hugging Face llama directory and gives the original's 64 greedy ids and, after
 * BOS, its log-probabilities within the core single-precision bound. Jlama ignores head_dim and crashes on head size 8, so the
 * plan keeps heads × head size = hidden and ends at head size 16 (shared/ENGINES.md).
 */
class JlamaGrowthTest {
    private static final String PLAN = """
            seed: 7
            steps:
              - mlp: {size: 256}
              - heads: {add: 8}
              - head_dim: {size: 16}
              - hidden: {size: 256}
              - layers: {add: 2, at: [0, 4]}
            """;

    @TempDir
    Path dir;

    @Test
    @RequiresSharedData("stories260K.bin")
    void storiesGrownIntoALlamaDirectoryKeepsIts64IdsAndLogitsInJlama() throws Exception {
        Path stories = Stories.path();
        Cli generate = Cli.run("generate", stories.toString(), "--steps", "64", "--temperature", "0", "--print-ids");
        assertEquals(0, generate.exitCode(), generate.err());
        String reference = generate.lastLine().strip();

        Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN);
        Path grown = dir.resolve("grown");
        Cli grow = Cli.run("grow", stories.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        Jlama.prepare(grown, 512);
        Jlama.Run run = Jlama.greedy(grown, 64);
        assertEquals(reference, String.join(" ", Arrays.stream(run.ids()).mapToObj(String::valueOf).toList()));

        Model original = ModelFormats.forInput(stories).read(stories);
        double[] expected = new ReferenceForward(original).newSession().nextLogits(1);
        // Jlama's getLogits returns the softmax: compare log-probabilities, which are the logits less a constant.
        double max = Arrays.stream(expected).max().orElseThrow();
        double logSum = max + Math.log(Arrays.stream(expected).map(x -> Math.exp(x - max)).sum());
        double largest = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i] - logSum));
            diff = Math.max(diff, Math.abs((expected[i] - logSum) - Math.log(run.firstLogits()[i])));
        }
        assertTrue(diff <= 1e-5 * largest, "Jlama's log-probabilities after BOS differ by " + diff + " (largest " + largest + ")");
    }
}
