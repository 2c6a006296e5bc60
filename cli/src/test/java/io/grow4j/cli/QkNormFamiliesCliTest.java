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

/**
 * A user's path through Qwen3 and OLMo-2 directories: inspect names the block parts, grow with every step the family
 * accepts, verify in double precision, and a refused step exits 2 naming the step and the reason, writing nothing.
 */
class QkNormFamiliesCliTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "olmo2"})
    void growInspectAndVerify(String family) throws IOException {
        Path model = dir.resolve(family);
        TransformerConfig config = new TransformerConfig(Architecture.fromId(family), 64, 32, 2, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.SWIGLU, false), 1e-6,
                new Positions.Rope(1e6, RopeLayout.HALF_SPLIT), true);
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F64, 11), model); // F64: rescaled weights stay exact

        Cli inspect = Cli.run("inspect", model.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains(family.equals("qwen3") ? "QK-norm per head"
                : "QK-norm over the whole projection"), inspect.out());
        assertEquals(family.equals("olmo2"), inspect.out().contains("after each branch, inside the residual"),
                inspect.out());

        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 4\nsteps:\n  - mlp: {size: 64}\n"
                + "  - heads: {add: 2, per_group: true}\n  - hidden: {size: 40}\n  - head_dim: {size: 16}\n"
                + "  - layers: {add: 1, at: [1]}\n");
        Path grown = dir.resolve(family + "-grown");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", grown.toString());
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        Cli verify = Cli.run("verify", model.toString(), grown.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "20");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertEquals("PASS", verify.lastLine());

        Path refused = dir.resolve(family + "-refused");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - head_key: {size: 16}\n");
        Cli no = Cli.run("grow", model.toString(), "--plan", bad.toString(), "--out", refused.toString());
        assertEquals(2, no.exitCode(), no.out() + no.err());
        assertTrue(no.err().contains("step 1 (head_key): head_key alone is not possible on " + family), no.err());
        assertFalse(Files.exists(refused));
    }
}
