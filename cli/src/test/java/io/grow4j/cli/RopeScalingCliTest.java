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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RoPE scaling at the command line: inspect names it, bad scalings and refused growth exit 2 with nothing written. */
class RopeScalingCliTest {
    @TempDir
    Path dir;

    private Path llama(RopeScaling scaling) throws IOException {
        TransformerConfig config = new TransformerConfig(Architecture.LLAMA, 32, 24, 1, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(20, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(500000, RopeLayout.HALF_SPLIT, scaling), true);
        Path model = dir.resolve("model-" + scaling.type());
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F32, 1), model);
        return model;
    }

    @Test
    void inspectNamesTheScaling() throws IOException {
        Cli run = Cli.run("inspect", llama(new RopeScaling.Llama3(8, 1, 4, 16)).toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("scaling llama3, factor 8.0, low/high frequency factors 1.0/4.0, original"
                + " context 16"), run.out());
    }

    @Test
    void unknownScalingTypeExitsTwo() throws IOException {
        Path model = llama(RopeScaling.NONE);
        Path config = model.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\\{",
                "{\"rope_scaling\": {\"rope_type\": \"su\", \"factor\": 2.0},"));
        Path out = dir.resolve("out");
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 40}\n");
        Cli run = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("rope_scaling.rope_type 'su' is unknown (known: default, linear, llama3,"
                + " dynamic, yarn, longrope)"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(out));
    }

    @Test
    void dynamicHeadGrowthExitsTwoWithTheReason() throws IOException {
        Path model = llama(new RopeScaling.Dynamic(2));
        Path out = dir.resolve("out");
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - head_dim: {size: 16}\n");
        Cli run = Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("step 1 (head_dim): head size 8 -> 16: dynamic NTK rope_scaling"), run.err());
        assertFalse(Files.exists(out));
    }
}
