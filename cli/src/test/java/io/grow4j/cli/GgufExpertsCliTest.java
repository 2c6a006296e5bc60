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
import io.grow4j.model.format.GgufFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A llama GGUF file with experts whose expert tensors disagree with its expert_count: exit 2, the tensors named. */
class GgufExpertsCliTest {
    @TempDir
    Path dir;

    @Test
    void expertTensorsThatDisagreeWithTheMetadataExitWith2AndAreNamed() throws IOException {
        TransformerConfig moe = new TransformerConfig(Architecture.MIXTRAL, 29, 16, 2, 16,
                new AttentionConfig(4, 2, 4, 4, false), new MlpConfig(12, Activation.SWIGLU, false).withExperts(4, 2),
                1e-5, new Positions.Rope(10000, RopeLayout.INTERLEAVED), false);
        Path file = dir.resolve("moe.gguf");
        new GgufFormat().write(RandomModels.create(moe, DType.F32, 1), file);
        setUint32After(file, "llama.expert_count", 6);

        Path out = dir.resolve("grown.gguf");
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 1\nsteps:\n  - mlp: {size: 16}\n");
        Cli grow = Cli.run("grow", file.toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, grow.exitCode(), grow.out() + grow.err());
        assertTrue(grow.err().contains("blk.0.ffn_gate_exps.weight: expected dims [16, 12, 6], got [16, 12, 4]"),
                grow.err());
        assertTrue(grow.err().contains("blk.1.ffn_down_exps.weight: expected dims [12, 16, 6], got [12, 16, 4]"),
                grow.err());
        assertFalse(grow.err().contains("\tat "), "no stack trace: " + grow.err());
        assertFalse(Files.exists(out));
    }

    /** Rewrites the UINT32 value of a metadata key in place (GGUF: key, then type 4, then the little-endian value). */
    private static void setUint32After(Path file, String key, int value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        byte[] needle = key.getBytes(StandardCharsets.UTF_8);
        int at = -1;
        for (int i = 0; i + needle.length <= bytes.length && at < 0; i++) {
            if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                at = i + needle.length;
            }
        }
        assertTrue(at > 0, key + " not in " + file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4, b.getInt(at), "type of " + key);
        b.putInt(at + 4, value);
        Files.write(file, bytes);
    }
}
