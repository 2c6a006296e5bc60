package io.grow4j.cli;

import io.grow4j.model.fixtures.RequiresSharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K upcycled into a mixtral directory of 4 experts, top-2: the same 64 greedy ids, verify passes in single
 * and double precision, the paper's plan then grows the experts and keeps the ids; bad moe steps exit 2 with the
 * reason and write nothing.
 */
class UpcyclingCliTest {
    private static final String UPCYCLE = "seed: 7\nsteps:\n  - moe: {experts: 4, top_k: 2}\n";

    @TempDir
    Path dir;

    @Test
    @RequiresSharedData("stories260K.bin")
    void upcycledStoriesKeepsItsGreedyIdsAndGrowsOn() throws IOException {
        Path stories = Stories.path();
        String original64 = generate(stories);
        assertTrue(original64.startsWith(Stories.REFERENCE_16 + " "), original64);
        Path moe = dir.resolve("stories-moe");
        Cli grow = Cli.run("grow", stories.toString(), "--plan", plan("up.yaml", UPCYCLE), "--out", moe.toString());
        assertEquals(0, grow.exitCode(), grow.err());
        assertTrue(Files.readString(moe.resolve("config.json")).contains("\"num_local_experts\" : 4"));
        assertEquals(original64, generate(moe));
        assertEquals("PASS", Cli.run("verify", stories.toString(), moe.toString()).lastLine());
        Cli verifyDouble = Cli.run("verify", stories.toString(), moe.toString(), "--precision", "double",
                "--tolerance", "1e-12");
        assertEquals(0, verifyDouble.exitCode(), verifyDouble.out());
        Cli inspect = Cli.run("inspect", moe.toString());
        assertTrue(inspect.out().contains("mlp          4 experts of 172 (swiglu), top-2 routed"), inspect.out());

        Path grown = dir.resolve("stories-moe-grown");
        Cli paper = Cli.run("grow", moe.toString(), "--plan", plan("paper.yaml", Stories.PLAN), "--out",
                grown.toString());
        assertEquals(0, paper.exitCode(), paper.err());
        assertEquals(original64, generate(grown));
    }

    @Test
    void badMoeStepsExitTwoNamingTheStepAndWriteNothing() throws IOException {
        Path model = Stories.randomLike(dir);
        Path out = dir.resolve("never");
        Cli tooMany = Cli.run("grow", model.toString(), "--plan",
                plan("bad.yaml", "seed: 1\nsteps:\n  - moe: {experts: 4, top_k: 5}\n"), "--out", out.toString());
        assertEquals(2, tooMany.exitCode());
        assertTrue(tooMany.err().contains("step 1 (moe): top_k 5 exceeds experts 4"), tooMany.err());
        Cli twice = Cli.run("grow", model.toString(), "--plan", plan("twice.yaml",
                "seed: 1\nsteps:\n  - moe: {experts: 4, top_k: 2}\n  - moe: {experts: 8, top_k: 2}\n"),
                "--out", out.toString());
        assertEquals(2, twice.exitCode());
        assertTrue(twice.err().contains("step 2 (moe): mixtral is already a mixture of 4 experts"), twice.err());
        assertFalse(twice.err().contains("Exception"), twice.err());
        assertFalse(Files.exists(out));
    }

    /**
     * A directory into a directory streams by default, upcycling too: each expert's tensor is a slice of the stacked
     * one, written byte for byte as in-memory growth writes it. A mixture-of-experts source is read in memory; asking
     * to stream it says why not.
     */
    @Test
    void aDirectoryIsUpcycledStreamedByDefaultAsInMemoryGrowthWritesIt() throws IOException {
        Path llama = dir.resolve("llama-dir");
        assertEquals(0, Cli.run("convert", Stories.randomLike(dir).toString(), llama.toString()).exitCode());
        String upcycle = plan("up.yaml", UPCYCLE);
        Path moe = dir.resolve("moe-dir");
        Cli grow = Cli.run("grow", llama.toString(), "--plan", upcycle, "--out", moe.toString());
        assertEquals(0, grow.exitCode(), grow.err());
        Path inMemory = dir.resolve("moe-in-memory");
        Cli memory = Cli.run("grow", llama.toString(), "--plan", upcycle, "--out", inMemory.toString(), "--in-memory");
        assertEquals(0, memory.exitCode(), memory.err());
        for (String file : List.of("model.safetensors", "config.json")) {
            assertEquals(-1, Files.mismatch(moe.resolve(file), inMemory.resolve(file)), file);
        }
        Cli verify = Cli.run("verify", llama.toString(), moe.toString(), "--precision", "double", "--tolerance",
                "1e-12");
        assertEquals(0, verify.exitCode(), verify.out());
        Path streamed = dir.resolve("streamed");
        Cli stream = Cli.run("grow", moe.toString(), "--plan", plan("mlp.yaml", "steps:\n  - mlp: {size: 200}\n"),
                "--out", streamed.toString(), "--stream");
        assertEquals(2, stream.exitCode());
        assertTrue(stream.err().contains("mixtral fuses or transposes tensors"), stream.err());
        assertFalse(Files.exists(streamed));
    }

    /** A qwen2 directory becomes a qwen2_moe one: verify in double within 1e-12, inspect names the shared expert. */
    @Test
    void qwen2IsUpcycledIntoAQwen2MoeDirectory() throws IOException {
        io.grow4j.model.TransformerConfig qwen2 = new io.grow4j.model.TransformerConfig(
                io.grow4j.model.Architecture.QWEN2, 35, 16, 2, 16,
                new io.grow4j.model.AttentionConfig(4, 2, 4, 4, true, false),
                new io.grow4j.model.MlpConfig(30, io.grow4j.model.Activation.SWIGLU, false), 1e-6,
                new io.grow4j.model.Positions.Rope(1e6, io.grow4j.model.RopeLayout.HALF_SPLIT), false);
        Path source = dir.resolve("qwen2");
        new io.grow4j.model.format.HfDirectoryFormat().write(
                io.grow4j.model.RandomModels.create(qwen2, io.grow4j.model.DType.F32, 5), source);
        Path moe = dir.resolve("qwen2-moe");
        Cli grow = Cli.run("grow", source.toString(), "--plan", plan("up.yaml", UPCYCLE), "--out", moe.toString());
        assertEquals(0, grow.exitCode(), grow.err());
        assertTrue(Files.readString(moe.resolve("config.json")).contains("\"model_type\" : \"qwen2_moe\""));
        Cli verify = Cli.run("verify", source.toString(), moe.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "16");
        assertEquals(0, verify.exitCode(), verify.out());
        Cli inspect = Cli.run("inspect", moe.toString());
        assertTrue(inspect.out().contains("mlp          4 experts of 30 (swiglu), top-2 routed, shared expert of 30"),
                inspect.out());
    }

    private String plan(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text).toString();
    }

    private static String generate(Path model) {
        Cli run = Cli.run("generate", model.toString(), "--steps", "64", "--temperature", "0", "--print-ids");
        assertEquals(0, run.exitCode(), run.err());
        return run.lastLine();
    }
}
