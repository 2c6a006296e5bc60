package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.format.HfDirectoryFormat;
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
 * A user's path through a Pythia-shaped gpt_neox directory: inspect names the parallel residual and the partial
 * rotary, grow with a plan of every accepted step, verify in double precision, generate; refused plans (a head size
 * that moves rotary frequencies, a hidden size GPTNeoXConfig cannot describe) exit 2 with the reason and write
 * nothing; streamed growth writes the files in-memory growth writes.
 */
class GptNeoxCliTest {
    @TempDir
    Path dir;

    @Test
    void inspectGrowVerifyAndGenerate() throws IOException {
        Path model = pythia();
        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("family       gpt_neox"), inspect.out());
        assertTrue(inspect.out().contains("residual     parallel"), inspect.out());
        assertTrue(inspect.out().contains("partial rotary: the first 2 dims of each head (fraction 0.25)"),
                inspect.out());
        assertTrue(inspect.out().contains("LayerNorm, before each block"), inspect.out());

        // 4 heads of 8 → 6 heads of 16 = 96 = the grown hidden size
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 4\nsteps:\n  - mlp: {size: 64}\n"
                + "  - heads: {add: 2}\n  - head_dim: {size: 16}\n  - hidden: {size: 96}\n"
                + "  - layers: {add: 1, at: [1]}\n");
        Path grown = dir.resolve("grown");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "16");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());

        Cli before = Cli.run("generate", model.toString(), "--steps", "12", "--print-ids");
        Cli after = Cli.run("generate", grown.toString(), "--steps", "12", "--print-ids");
        assertEquals(0, before.exitCode(), before.err());
        assertEquals(0, after.exitCode(), after.err());
        assertEquals(before.lastLine(), after.lastLine(), "greedy ids of the original and the grown model");
    }

    @Test
    void refusedPlansExit2AndWriteNothing() throws IOException {
        Path model = pythia();
        assertRefused(model, "steps:\n  - head_dim: {size: 12}\n  - hidden: {size: 48}\n", "refused-rotary",
                "step 1 (head_dim): head size 8 -> 12 with partial rotary 0.25 rotates int(12 x 0.25) = 3 dims"
                        + " instead of 2");
        assertRefused(model, "steps:\n  - hidden: {size: 40}\n", "refused-hidden",
                "GPT-NeoX's head size is hidden_size / num_attention_heads = 40 / 4, but this model's is 8");
    }

    /** query_key_value is fused head by head; streaming gathers and re-interleaves it: the same files as in memory. */
    @Test
    void streamedGrowthWritesWhatInMemoryGrowthWrites() throws IOException {
        Path model = pythia();
        Path plan = Files.writeString(dir.resolve("mlp.yaml"), "seed: 2\nsteps:\n  - mlp: {size: 64}\n"
                + "  - heads: {add: 2}\n  - hidden: {size: 48}\n");
        Path streamed = dir.resolve("streamed");
        Cli stream = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", streamed.toString(),
                "--stream");
        assertEquals(0, stream.exitCode(), stream.out() + stream.err());
        Path memory = dir.resolve("memory");
        Cli inMemory = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", memory.toString(),
                "--in-memory");
        assertEquals(0, inMemory.exitCode(), inMemory.out() + inMemory.err());
        for (String file : new String[] {"config.json", "model.safetensors"}) {
            assertEquals(-1, Files.mismatch(memory.resolve(file), streamed.resolve(file)), file);
        }
    }

    /** Pythia as GGUF: converted (its exact GELU noted), grown as a GGUF file (streamed), verified against it. */
    @Test
    void convertedToGgufGrownAndVerified() throws IOException {
        Path gguf = dir.resolve("pythia.gguf");
        Cli convert = Cli.run("convert", pythia().toString(), gguf.toString());
        assertEquals(0, convert.exitCode(), convert.out() + convert.err());
        assertTrue(convert.out().contains("llama.cpp runs GGUF gptneox's MLP with GELU_TANH, not this model's GELU"),
                convert.out());
        Path plan = Files.writeString(dir.resolve("gguf.yaml"), "seed: 3\nsteps:\n  - heads: {add: 2}\n"
                + "  - hidden: {size: 48}\n  - layers: {add: 1, at: [0]}\n");
        Path grown = dir.resolve("grown.gguf");
        Cli grow = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", grown.toString(), "--stream");
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        Cli verify = Cli.run("verify", gguf.toString(), grown.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "16");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());
    }

    /**
     * A plan with problems of several kinds in several steps, and in the output's rules, is refused in one report: a
     * fresh tester saw gpt_neox's head-size rule only after fixing a shrinking MLP. Streamed (the default), in memory
     * and as a GGUF file: every problem at once, exit 2, the existing output untouched.
     */
    @Test
    void everyProblemOfAPlanAndOfTheOutputIsReportedTogether() throws IOException {
        Path model = pythia();
        Path gguf = dir.resolve("pythia.gguf");
        assertEquals(0, Cli.run("convert", model.toString(), gguf.toString()).exitCode());
        Path plan = Files.writeString(dir.resolve("many.yaml"), "steps:\n  - heads: {add: 1}\n"
                + "  - mlp: {size: 20}\n  - head_key: {size: 16}\n  - layers: {add: 1, at: [7]}\n");
        List<String> planProblems = List.of("step 2 (mlp): ", "step 3 (head_key): ", "step 4 (layers): ");
        for (String source : List.of(model.toString(), gguf.toString())) {
            boolean isGguf = source.endsWith(".gguf");
            Path out = Files.writeString(dir.resolve(isGguf ? "existing.gguf" : "existing"), "keep me");
            for (String mode : List.of("--stream", "--in-memory")) {
                Cli no = Cli.run("grow", source, "--plan", plan.toString(), "--out", out.toString(), mode);
                String what = source + " " + mode + ":\n" + no.err();
                assertEquals(2, no.exitCode(), what);
                planProblems.forEach(p -> assertTrue(no.err().contains(p), p + " in " + what));
                // GPTNeoXConfig's head size is hidden / heads; GGUF stores the head size, so it holds 5 heads of 8
                assertEquals(!isGguf, no.err().contains("(grown by the steps without problems): GPT-NeoX's head size"
                        + " is hidden_size / num_attention_heads = 32 / 5"), what);
                assertTrue(no.err().contains(out + " already exists"), what);
                assertFalse(no.err().contains("Exception"), what);
                assertEquals("keep me", Files.readString(out), what);
            }
        }
    }

    private void assertRefused(Path model, String planText, String name, String reason) throws IOException {
        Path plan = Files.writeString(dir.resolve(name + ".yaml"), planText);
        Path out = dir.resolve(name);
        Cli no = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, no.exitCode(), no.out() + no.err());
        assertTrue(no.err().contains(reason), no.err());
        assertFalse(no.err().contains("Exception"), no.err());
        assertFalse(Files.exists(out));
    }

    /**
     * A BF16 directory whose head size grows: the rescaled queries are kept in F32 beside BF16 keys and values, so
     * query_key_value cannot be streamed part by part. Without --stream or --in-memory, grow chose streaming and then
     * refused (exit 2) for a plan it can grow; the default now grows such a plan in memory and says so, and an
     * explicit --stream still refuses with the reason.
     */
    @Test
    void theDefaultGrowsInMemoryWhenStackedPartsWouldMixDtypes() throws IOException {
        Path model = dir.resolve("pythia-bf16");
        new HfDirectoryFormat().write(RandomModels.create(NeoxConfigs.pythia(false, 0.5, true, false), DType.BF16, 3),
                model);
        Path plan = Files.writeString(dir.resolve("head.yaml"), "seed: 3\nsteps:\n  - heads: {add: 4}\n"
                + "  - head_dim: {size: 16}\n  - hidden: {size: 128}\n");
        Path streamed = dir.resolve("streamed");
        Cli refused = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", streamed.toString(),
                "--stream");
        assertEquals(2, refused.exitCode(), refused.out() + refused.err());
        assertTrue(refused.err().contains("whose grown dtypes differ [F32, BF16]"), refused.err());
        assertFalse(Files.exists(streamed));

        Path grown = dir.resolve("grown");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        assertTrue(grow.err().contains("note: grown in memory, not streamed: stacked tensors would mix dtypes"),
                grow.err());
        Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double", "--tolerance",
                "1e-6", "--length", "16");
        assertEquals(0, verify.exitCode(), verify.out());
    }

    /** F64, so rescaled queries stay exact in the files. */
    private Path pythia() throws IOException {
        Path model = dir.resolve("pythia");
        new HfDirectoryFormat().write(RandomModels.create(NeoxConfigs.pythia(), DType.F64, 11), model);
        return model;
    }
}
