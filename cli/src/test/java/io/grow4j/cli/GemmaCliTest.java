package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import io.grow4j.model.AttentionShape;
import java.util.List;

/**
 * A user's path through Gemma 2 and Gemma 3 directories: inspect names the block parts, grow with every step the
 * family accepts (a block inserted mid-stack, streamed and in memory), verify in double precision and generate; a
 * refused step exits 2 naming the step and the reason, writing nothing; the device grower refuses (1 + w) gains.
 */
class GemmaCliTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gemma2", "gemma3"})
    void growInspectVerifyAndGenerate(String family) throws IOException {
        Path model = dir.resolve(family);
        boolean three = family.equals("gemma3");
        TransformerConfig config = new TransformerConfig(Architecture.fromId(family), 64, 32, 3, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.GEGLU_TANH, false), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), true, 0, false,
                new AttentionShape(16, three ? 0 : 20, 15, 4, three ? 1e4 : 0, List.of(
                        AttentionShape.LayerAttention.SLIDING, AttentionShape.LayerAttention.FULL,
                        AttentionShape.LayerAttention.SLIDING)));
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F64, 11), model);

        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        for (String part : List.of("RMSNorm with gain (1 + w), before and after each branch (sandwich)",
                "x sqrt(hidden)", "scale 16.0^-0.5 (query_pre_attn_scalar", "layer types  S F S (S: sliding window 4",
                "soft-capped at 15.0")) {
            assertTrue(inspect.out().contains(part), part + " in " + inspect.out());
        }
        assertEquals(three, inspect.out().contains("QK-norm per head"), inspect.out());

        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 4\nsteps:\n  - mlp: {size: 64}\n"
                + "  - heads: {add: 2, per_group: true}\n  - hidden: {size: 40}\n  - head_dim: {size: 16}\n"
                + "  - layers: {add: 1, at: [1]}\n");
        for (boolean stream : new boolean[] {false, true}) {
            Path grown = dir.resolve(family + "-grown-" + stream);
            List<String> args = new java.util.ArrayList<>(List.of("grow", model.toString(), "--plan",
                    plan.toString(), "--out", grown.toString()));
            args.add(stream ? "--stream" : "--in-memory");
            Cli grow = Cli.run(args.toArray(String[]::new));
            assertEquals(0, grow.exitCode(), grow.out() + grow.err());
            Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double",
                    "--tolerance", "1e-12", "--length", "20");
            assertEquals(0, verify.exitCode(), verify.out() + verify.err());
            assertEquals("PASS", verify.lastLine());
            Cli grownInspect = Cli.run("inspect", grown.toString());
            assertTrue(grownInspect.out().contains("layer types  S S F S"), grownInspect.out());
        }
        Cli generate = Cli.run("generate", model.toString(), "--steps", "6", "--print-ids");
        assertEquals(0, generate.exitCode(), generate.out() + generate.err());

        Path refused = dir.resolve(family + "-refused");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - head_key: {size: 16}\n");
        Cli no = Cli.run("grow", model.toString(), "--plan", bad.toString(), "--out", refused.toString());
        assertEquals(2, no.exitCode(), no.out() + no.err());
        assertTrue(no.err().contains("step 1 (head_key): head_key alone is not possible on " + family), no.err());
        assertFalse(Files.exists(refused));
    }
}
