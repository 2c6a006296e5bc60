package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's path through a GGUF gemma3 file: inspect names the parts and, beside the validator's refusals, the steps
 * whose result a GGUF file cannot hold (head size: llama.cpp scales by key_length^-0.5); grow (streamed, the default
 * for GGUF into GGUF) with the steps it holds and verify in double precision; a head_dim plan exits 2 with the reason,
 * writing nothing.
 */
class GgufGemmaCliTest {
    @TempDir
    Path dir;

    @Test
    void inspectGrowVerifyAndRefuseAGemma3File() throws IOException {
        Path model = gemmaFile(Architecture.GEMMA3, 6, 6, 1e6, 0, 0, 1e4, 11);

        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        for (String part : new String[] {"family       gemma3", "RMSNorm with gain (1 + w), before and after each"
                + " branch (sandwich)", "QK-norm per head", "layer types  S S S S S F (S: sliding window 4",
                "layers {add: 1}", "head_dim {size: 16}: as gguf: query_pre_attn_scalar is 8.0, but llama.cpp's gemma3"
                + " scales attention by key_length^-0.5 = 16^-0.5 for 6 layers, and GGUF has no key for it"}) {
            assertTrue(inspect.out().contains(part), part + " in " + inspect.out());
        }

        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 4\nsteps:\n  - mlp: {size: 64}\n"
                + "  - heads: {add: 2, per_group: true}\n  - hidden: {size: 40}\n  - layers: {add: 6}\n");
        Path grown = dir.resolve("grown.gguf");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        assertTrue(grow.out().contains("streamed"), grow.out());
        Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double",
                "--tolerance", "1e-12", "--length", "20");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());
        assertTrue(Cli.run("inspect", grown.toString()).out().contains("layer types  S S S S S F S S S S S F"));

        Path refused = dir.resolve("refused.gguf");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - head_dim: {size: 16}\n");
        Cli no = Cli.run("grow", model.toString(), "--plan", bad.toString(), "--out", refused.toString());
        assertEquals(2, no.exitCode(), no.out() + no.err());
        assertTrue(no.err().contains("query_pre_attn_scalar is 8.0"), no.err());
        assertFalse(Files.exists(refused));
    }

    /**
     * A streamed GGUF gemma2 output says what the in-memory one says: llama.cpp b4916 aborts on its layer count. The
     * streamed path printed no note, so the same file came with the warning or without it depending on --stream.
     */
    @Test
    void aStreamedGemma2FileGetsTheLayerCountNoteAsInMemory() throws IOException {
        Path model = gemmaFile(Architecture.GEMMA2, 4, 2, 1e4, 50, 30, 0, 12);
        Path plan = Files.writeString(dir.resolve("layers.yaml"), "steps:\n  - layers: {add: 2}\n");
        String note = "abort on gemma2 files whose layer count is not one of [26, 42, 46]; this one has 6 layers";
        for (String mode : new String[] {"--stream", "--in-memory"}) {
            Path grown = dir.resolve("grown" + mode + ".gguf");
            Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString(), mode);
            assertEquals(0, grow.exitCode(), grow.out() + grow.err());
            assertTrue(grow.out().contains(note), mode + ": " + grow.out());
        }
    }

    /**
     * A random F64 Gemma GGUF file, hidden 32, 4 query heads over 2 key/value heads of size 8, in the layer pattern
     * llama.cpp derives (one global layer every {@code period}), written as {@code <family>.gguf}.
     */
    private Path gemmaFile(Architecture family, int layers, int period, double ropeBase, double attentionCap,
            double finalCap, double localRopeBase, long seed) throws IOException {
        TransformerConfig config = new TransformerConfig(family, 64, 32, layers, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.GEGLU_TANH, false), 1e-6,
                new Positions.Rope(ropeBase, RopeLayout.HALF_SPLIT), true, 0, false,
                new AttentionShape(8, attentionCap, finalCap, 4, localRopeBase,
                        AttentionShape.periodic(layers, period)));
        Path model = dir.resolve(family.id() + ".gguf");
        new GgufFormat().write(RandomModels.create(config, DType.F64, seed), model);
        return model;
    }
}
