package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
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
 * A user's path through Phi-3 and SmolLM3 directories: inspect names partial rotary, longrope and the layers without
 * RoPE, grow with steps the family accepts, verify in double precision past longrope's original context, greedy
 * decoding keeps its ids, and a step whose result transformers would refuse exits 2 with the reason, writing nothing.
 */
class PhiSmolCliTest {
    @TempDir
    Path dir;

    @Test
    void phi3WithPartialRotaryAndLongrope() throws IOException {
        RopeScaling longRope = new RopeScaling.LongRope(List.of(1.0, 1.25, 1.5), List.of(2.0, 4.0, 8.0), 8, null,
                null);
        TransformerConfig config = new TransformerConfig(Architecture.PHI3, 64, 32, 2, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, longRope, 0.75), false);
        Path model = dir.resolve("phi3");
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F64, 12), model);

        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("longrope, 3 short and 3 long factors, original context 8, partial rotary:"
                + " the first 6 dims of each head (fraction 0.75)"), inspect.out());

        String steps = "  - mlp: {size: 64}\n  - head_dim: {size: 16}\n  - hidden: {size: 64}\n"
                + "  - layers: {add: 1, at: [1]}\n";
        Path grown = growAndVerify(model, steps);
        assertEquals(Cli.run("generate", model.toString(), "--steps", "24").lastLine(),
                Cli.run("generate", grown.toString(), "--steps", "24").lastLine(), "greedy ids");

        Path refused = dir.resolve("phi3-refused");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - hidden: {size: 40}\n");
        Cli no = Cli.run("grow", model.toString(), "--plan", bad.toString(), "--out", refused.toString());
        assertEquals(2, no.exitCode(), no.out() + no.err());
        assertTrue(no.err().contains("Phi3Config checks longrope short_factor/long_factor lengths against"
                + " hidden_size / num_attention_heads = 10, not head_dim 8"), no.err());
        assertFalse(Files.exists(refused));
    }

    @Test
    void smollm3WithLayersWithoutRope() throws IOException {
        TransformerConfig config = new TransformerConfig(Architecture.SMOLLM3, 64, 32, 4, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(2e6, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 1.0, List.of(3)), true);
        Path model = dir.resolve("smollm3");
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F64, 13), model);
        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("no RoPE in layers [3]"), inspect.out());

        Path grown = growAndVerify(model, "  - layers: {add: 2, at: [0, 3]}\n  - hidden: {size: 48}\n"
                + "  - head_dim: {size: 16}\n  - heads: {add: 2, per_group: true}\n");
        Cli after = Cli.run("inspect", grown.toString());
        assertTrue(after.out().contains("no RoPE in layers [5]"), after.out());
        assertTrue(Files.readString(grown.resolve("config.json")).replaceAll("\\s", "")
                .contains("\"no_rope_layers\":[1,1,1,1,1,0]"), "written per layer");
    }

    private Path growAndVerify(Path model, String steps) throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 4\nsteps:\n" + steps);
        Path grown = dir.resolve(model.getFileName() + "-grown");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "20");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());
        return grown;
    }
}
