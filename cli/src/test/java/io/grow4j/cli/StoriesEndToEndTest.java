package io.grow4j.cli;

import io.grow4j.model.fixtures.RequiresSharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core acceptance check on a real trained checkpoint: stories260K reproduces llama2.c's greedy ids, and after a
 * plan using mlp, heads, head_dim, hidden and layers the grown model generates the same 64 ids and passes verify, also
 * after a round trip through the default format.
 */
@RequiresSharedData("stories260K.bin")
class StoriesEndToEndTest {
    @TempDir
    static Path dir;
    static Path stories;
    static String original64;

    @BeforeAll
    static void generateOriginal() {
        stories = Stories.path();
        Cli run = Cli.run("generate", stories.toString(), "--steps", "64", "--temperature", "0", "--print-ids");
        assertEquals(0, run.exitCode(), run.err());
        original64 = run.lastLine();
    }

    @Test
    void forwardPassReproducesLlama2cGreedyIds() {
        assertTrue(original64.startsWith(Stories.REFERENCE_16 + " "), original64);
        assertEquals(64, original64.split(" ").length);
    }

    @Test
    void grownModelKeepsTheContinuationAndPassesVerify() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), Stories.PLAN);
        Path grown = dir.resolve("grown");
        Cli grow = Cli.run("grow", stories.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.err());
        assertTrue(Files.exists(grown.resolve("config.json")));
        assertEquals(original64, generate(grown));

        Cli verify = Cli.run("verify", stories.toString(), grown.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());
        Cli verifyDouble = Cli.run("verify", stories.toString(), grown.toString(), "--precision", "double",
                "--tolerance", "1e-6");
        assertEquals(0, verifyDouble.exitCode(), verifyDouble.out());

        // round trip: the grown directory read and written again is the same model
        Path again = dir.resolve("again");
        assertEquals(0, Cli.run("convert", grown.toString(), again.toString()).exitCode());
        assertEquals(original64, generate(again));
    }

    @Test
    void growingFromTheDefaultFormatGivesTheSameModel() throws IOException {
        Path hf = dir.resolve("stories-hf");
        Cli convert = Cli.run("convert", stories.toString(), hf.toString());
        assertEquals(0, convert.exitCode(), convert.err());
        assertEquals(original64, generate(hf));
        Path plan = Files.writeString(dir.resolve("plan2.yaml"), Stories.PLAN);
        Path grown = dir.resolve("grown-from-hf");
        assertEquals(0, Cli.run("grow", hf.toString(), "--plan", plan.toString(), "--out", grown.toString()).exitCode());
        assertEquals(original64, generate(grown));
        Cli verify = Cli.run("verify", stories.toString(), grown.toString());
        assertEquals(0, verify.exitCode(), verify.out());
    }

    @Test
    void verifyFailsOnADifferentModel() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan3.yaml"), "seed: 1\nsteps:\n  - mlp: {size: 200}\n");
        Path grown = dir.resolve("grown-mlp");
        assertEquals(0, Cli.run("grow", stories.toString(), "--plan", plan.toString(), "--out", grown.toString())
                .exitCode());
        // break the function on purpose: the demo built-in model is another model with the same vocabulary
        Path other = dir.resolve("other");
        assertEquals(0, Cli.run("demo", "--out", other.toString()).exitCode());
        Cli verify = Cli.run("verify", grown.toString(), other.toString(), "--length", "16");
        assertEquals(1, verify.exitCode(), verify.out() + verify.err());
        assertEquals("FAIL", verify.lastLine());
    }

    private static String generate(Path model) {
        Cli run = Cli.run("generate", model.toString(), "--steps", "64", "--temperature", "0", "--print-ids");
        assertEquals(0, run.exitCode(), run.err());
        return run.lastLine();
    }
}
