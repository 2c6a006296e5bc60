package io.grow4j.cli;

import io.grow4j.model.Model;
import io.grow4j.model.fixtures.RequiresSharedData;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.GgufMetadata;
import io.grow4j.model.format.GgufType;
import io.grow4j.model.format.GgufValue;
import io.grow4j.model.format.ModelFormats;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K through GGUF: llama2.c → GGUF → grown GGUF (the plan of {@link StoriesEndToEndTest}) → Hugging Face
 * directory, every stage generating llama2.c's 64 greedy ids, and verify passing between the original and the grown
 * GGUF. Tokenizer metadata put into the GGUF file comes out of growth unchanged. GGUF into GGUF streams by default,
 * into the same bytes as growing in memory.
 */
@RequiresSharedData("stories260K.bin")
class GgufEndToEndTest {
    @TempDir
    static Path dir;
    static Path stories;
    static String original64;

    @BeforeAll
    static void generateOriginal() {
        stories = Stories.path();
        original64 = generate(stories);
        assertEquals(64, original64.split(" ").length, original64);
    }

    @Test
    void storiesThroughGrownGgufToDirectoryKeepsTheContinuation() throws IOException {
        Path gguf = dir.resolve("stories.gguf");
        Cli convert = Cli.run("convert", stories.toString(), gguf.toString());
        assertEquals(0, convert.exitCode(), convert.err());
        assertTrue(convert.out().contains("(gguf)"), convert.out());
        assertEquals(original64, generate(gguf));

        Path plan = Files.writeString(dir.resolve("plan.yaml"), Stories.PLAN);
        Path grown = dir.resolve("grown.gguf");
        Cli grow = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        assertEquals(original64, generate(grown));

        Cli verify = Cli.run("verify", gguf.toString(), grown.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());
        Cli verifyDouble = Cli.run("verify", stories.toString(), grown.toString(), "--precision", "double",
                "--tolerance", "1e-6");
        assertEquals(0, verifyDouble.exitCode(), verifyDouble.out() + verifyDouble.err());

        Path hf = dir.resolve("grown-hf");
        Cli toDirectory = Cli.run("convert", grown.toString(), hf.toString());
        assertEquals(0, toDirectory.exitCode(), toDirectory.err());
        assertTrue(Files.exists(hf.resolve("config.json")));
        assertEquals(original64, generate(hf));
    }

    @Test
    void aGgufIntoAGgufIsStreamedByDefaultAndMatchesInMemoryGrowthByteForByte() throws IOException {
        Path gguf = dir.resolve("stories-to-stream.gguf");
        Cli convert = Cli.run("convert", stories.toString(), gguf.toString());
        assertEquals(0, convert.exitCode(), convert.err());
        Path plan = Files.writeString(dir.resolve("plan-stream.yaml"), Stories.PLAN);

        Path streamed = dir.resolve("streamed.gguf");
        Cli stream = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", streamed.toString());
        assertEquals(0, stream.exitCode(), stream.out() + stream.err());
        assertTrue(stream.out().startsWith("streamed "), stream.out());
        assertTrue(stream.lastLine().startsWith("wrote " + streamed + " (gguf): "), stream.out());
        Path memory = dir.resolve("in-memory.gguf");
        Cli inMemory = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", memory.toString(),
                "--in-memory");
        assertEquals(0, inMemory.exitCode(), inMemory.out() + inMemory.err());
        assertFalse(inMemory.out().startsWith("streamed "), inMemory.out());
        assertEquals(inMemory.lastLine().replace(memory.toString(), streamed.toString()), stream.lastLine());

        assertEquals(original64, generate(streamed));
        assertEquals(generate(memory), generate(streamed));
        assertEquals(-1, Arrays.mismatch(Files.readAllBytes(memory), Files.readAllBytes(streamed)),
                "streamed and in-memory GGUF bytes");

        Path bin = dir.resolve("streamed.bin");
        Cli toBin = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", bin.toString(), "--stream");
        assertEquals(2, toBin.exitCode(), toBin.out() + toBin.err());
        assertTrue(toBin.err().contains("a .gguf file grown into a .gguf file streams too"), toBin.err());
        assertFalse(Files.exists(bin));
    }

    @Test
    void tokenizerMetadataSurvivesGrowth() throws IOException {
        Model original = ModelFormats.forInput(stories).read(stories);
        SequencedMap<String, GgufValue> tokenizer = new LinkedHashMap<>();
        tokenizer.put("general.name", GgufValue.Str.of("stories260K"));
        tokenizer.put("tokenizer.ggml.model", GgufValue.Str.of("llama"));
        tokenizer.put("tokenizer.ggml.tokens", new GgufValue.Array(GgufType.STRING, IntStream.range(0, 512)
                .mapToObj(i -> (GgufValue) GgufValue.Str.of("tok" + i)).toList()));
        tokenizer.put("tokenizer.ggml.scores", new GgufValue.Array(GgufType.FLOAT32, IntStream.range(0, 512)
                .mapToObj(i -> (GgufValue) new GgufValue.Float32(-i)).toList()));
        tokenizer.put("tokenizer.ggml.bos_token_id", new GgufValue.Int(GgufType.UINT32, 1));
        Path gguf = dir.resolve("with-tokenizer.gguf");
        new GgufFormat().write(new GgufMetadata(tokenizer).attachTo(original), gguf);

        Path plan = Files.writeString(dir.resolve("plan-tokenizer.yaml"), Stories.PLAN);
        Path grown = dir.resolve("grown-with-tokenizer.gguf");
        Cli grow = Cli.run("grow", gguf.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        GgufMetadata after = GgufMetadata.of(new GgufFormat().read(grown)).orElseThrow();
        tokenizer.forEach((key, value) -> assertEquals(value, after.get(key).orElseThrow(), key));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 96), after.get("llama.embedding_length").orElseThrow());
        assertEquals(new GgufValue.Int(GgufType.UINT32, 16), after.get("llama.attention.key_length").orElseThrow());
    }

    @Test
    void truncatedGgufIsRefusedWithFileAndOffset() throws IOException {
        Path gguf = dir.resolve("to-cut.gguf");
        assertEquals(0, Cli.run("convert", stories.toString(), gguf.toString()).exitCode());
        byte[] bytes = Files.readAllBytes(gguf);
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(bytes, bytes.length - 100));
        Path out = dir.resolve("cut-out");
        Cli convert = Cli.run("convert", cut.toString(), out.toString());
        assertEquals(2, convert.exitCode(), convert.out() + convert.err());
        List<String> lines = convert.err().lines().toList();
        // The last tensor in the file is the last block's ffn_down [64, 172]: the cut falls inside it.
        assertEquals(1, lines.size(), convert.err());
        assertTrue(lines.getFirst().startsWith("grow4j convert: error: " + cut
                + ": tensor 'blk.4.ffn_down.weight' (F32 dims [172, 64]) spans bytes "), convert.err());
        assertTrue(lines.getFirst().endsWith("outside the file, which ends at offset " + (bytes.length - 100)
                + ": the file is truncated or the offset is corrupt"), convert.err());
        assertFalse(Files.exists(out));
    }

    private static String generate(Path model) {
        Cli run = Cli.run("generate", model.toString(), "--steps", "64", "--temperature", "0", "--print-ids");
        assertEquals(0, run.exitCode(), run.err());
        return run.lastLine();
    }
}
