package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * verify on a BERT directory runs --batch sequences through each layer together; the sequences drawn, and so the
 * report, do not depend on the batch size.
 */
class EncoderVerifyBatchTest {
    @Test
    void theBatchSizeDoesNotChangeWhatIsCompared(@TempDir Path dir) throws IOException {
        TransformerConfig config = new TransformerConfig(Architecture.BERT, 50, 32, 2, 16,
                new AttentionConfig(4, 4, 8, 8, true), new MlpConfig(64, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2, true);
        Path bert = dir.resolve("bert");
        new HfDirectoryFormat().write(RandomModels.create(config, DType.BF16, 3), bert);
        double[] largest = new double[2];
        int[] batches = {1, 5};
        for (int i = 0; i < batches.length; i++) {
            Cli verify = Cli.run("verify", bert.toString(), bert.toString(), "--sequences", "5", "--length", "12",
                    "--batch", Integer.toString(batches[i]));
            assertEquals(0, verify.exitCode(), verify.out() + verify.err());
            assertTrue(verify.out().contains("compared      5 sequences × 12 tokens on cpu (float32)"), verify.out());
            assertTrue(verify.out().contains("max |Δhidden| 0.000000e+00"), "one model against itself: " + verify.out());
            largest[i] = Double.parseDouble(verify.out().lines().filter(l -> l.startsWith("max |hidden|"))
                    .findFirst().orElseThrow().substring("max |hidden|".length()).trim());
        }
        // the same tokens, summed in another order by the matrix products: the same largest state within rounding
        assertEquals(largest[0], largest[1], 1e-5 * largest[0], "max |hidden| with --batch 1 and --batch 5");
    }
}
