package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code grow} on model directories: streamed by default, the same bytes as in memory, its options and refusals. */
class StreamedGrowCommandTest {
    private static final TransformerConfig LLAMA = new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 16,
            new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);

    @TempDir
    Path dir;
    Path model;
    Path plan;

    @BeforeEach
    void writeModel() throws IOException {
        model = dir.resolve("model");
        new HfDirectoryFormat().write(RandomModels.create(LLAMA, DType.BF16, 1), model);
        plan = Files.writeString(dir.resolve("plan.yaml"),
                "seed: 3\nsteps:\n  - mlp: {size: 48}\n  - layers: {add: 1, at: [1]}\n");
    }

    private Cli grow(Path out, String... options) {
        String[] args = new String[6 + options.length];
        System.arraycopy(new String[] {"grow", model.toString(), "--plan", plan.toString(), "--out", out.toString()},
                0, args, 0, 6);
        System.arraycopy(options, 0, args, 6, options.length);
        return Cli.run(args);
    }

    @Test
    void aDirectoryIntoADirectoryIsStreamedAndMatchesInMemoryGrowth() throws IOException {
        Path streamed = dir.resolve("streamed");
        Path memory = dir.resolve("memory");
        Cli stream = grow(streamed);
        Cli inMemory = grow(memory, "--in-memory");
        assertEquals(0, stream.exitCode(), stream.err());
        assertEquals(0, inMemory.exitCode(), inMemory.err());
        assertTrue(stream.out().startsWith("streamed 30 tensors"), stream.out());
        assertTrue(inMemory.out().contains("step 2 (layers)"), inMemory.out());
        assertEquals(inMemory.lastLine().replace("memory", "streamed"), stream.lastLine());
        for (String file : new String[] {"model.safetensors", "config.json"}) {
            assertArrayEquals(Files.readAllBytes(memory.resolve(file)), Files.readAllBytes(streamed.resolve(file)),
                    file);
        }
    }

    @Test
    void shardSizeShardsTheOutputAndWritesAnIndex() throws IOException {
        Path streamed = dir.resolve("sharded");
        Cli run = grow(streamed, "--shard-size", "4KB");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(streamed.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(streamed.resolve("model-00002-of-00013.safetensors")), run.out());
        Path memory = dir.resolve("memory");
        assertEquals(0, grow(memory, "--in-memory").exitCode());
        Model expected = new HfDirectoryFormat().read(memory);
        Model actual = new HfDirectoryFormat().read(streamed);
        expected.tensors().forEach((key, t) -> assertEquals(-1, t.data().mismatch(actual.tensor(key).data()),
                key.toString()));
    }

    @Test
    void forceReplacesAnExistingOutputWithTheStreamedOne() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        Cli refused = grow(out);
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("already exists (use --force to replace it)"), refused.err());
        Cli forced = grow(out, "--force");
        assertEquals(0, forced.exitCode(), forced.err());
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }

    @Test
    void streamRefusesFilesAndShardSizeNeedsStreaming() {
        Path bin = dir.resolve("grown.bin");
        Cli stream = grow(bin, "--stream");
        assertEquals(2, stream.exitCode());
        assertTrue(stream.err().contains("--stream reads a Hugging Face model directory and writes one; OUT "
                + bin + " names a llama2.c file"), stream.err());
        Cli shards = grow(dir.resolve("out"), "--in-memory", "--shard-size", "1GB");
        assertEquals(2, shards.exitCode());
        assertTrue(shards.err().contains("--shard-size applies to streamed output only"), shards.err());
        Cli badSize = grow(dir.resolve("out"), "--shard-size", "4 parsecs");
        assertEquals(2, badSize.exitCode());
        assertTrue(badSize.err().contains("'4 parsecs' is not a size"), badSize.err());
        assertFalse(Files.exists(bin));
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void gpt2DirectoriesAreGrownInMemoryByDefaultAndRefusedForStreaming() throws IOException {
        Path gpt2 = dir.resolve("gpt2");
        new HfDirectoryFormat().write(RandomModels.create(new TransformerConfig(Architecture.GPT2, 29, 12, 2, 10,
                new AttentionConfig(3, 3, 4, 4, true), new MlpConfig(48, Activation.GELU_TANH, true), 1e-5,
                new Positions.Learned(), true), DType.F32, 2), gpt2);
        Path mlp = Files.writeString(dir.resolve("mlp.yaml"), "seed: 1\nsteps:\n  - mlp: {size: 64}\n");
        Cli byDefault = Cli.run("grow", gpt2.toString(), "--plan", mlp.toString(), "--out", dir.resolve("a").toString());
        assertEquals(0, byDefault.exitCode(), byDefault.err());
        assertTrue(byDefault.out().contains("step 1 (mlp)"), byDefault.out());
        Cli streamed = Cli.run("grow", gpt2.toString(), "--plan", mlp.toString(), "--out", dir.resolve("b").toString(),
                "--stream");
        assertEquals(2, streamed.exitCode());
        assertTrue(streamed.err().contains("fuses or transposes tensors"), streamed.err());
        assertFalse(Files.exists(dir.resolve("b")));
    }

    @Test
    void theProgressBarIsDrawnOnRequestOnlyWhenNotATerminal() {
        String quiet = Cli.processStderrOf(() -> grow(dir.resolve("quiet")));
        assertFalse(quiet.contains("tensors"), quiet);
        String bar = Cli.processStderrOf(() -> grow(dir.resolve("bar"), "--progress"));
        assertTrue(bar.contains("grow") && bar.contains("30/30 tensors") && bar.contains("MiB"), bar);
        assertFalse(bar.contains("\u001b["), "no terminal colours in a log: " + bar);
    }
}
