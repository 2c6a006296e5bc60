package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** verify's progress bar: drawn on request when not a terminal, counting every stage of both models. */
class VerifyProgressTest {
    @Test
    void theBarCountsTheLayersOfBothModelsBatchByBatch(@TempDir Path dir) throws IOException {
        TransformerConfig config = SyntheticCheckpoints.llamaShaped(128).withLayers(3);
        Path model = dir.resolve("m");
        SyntheticCheckpoints.write(model, config, DType.BF16, 1, 1L << 30);
        String[] verify = {"verify", model.toString(), model.toString(), "--sequences", "3", "--length", "4",
                "--batch", "2", "--backend", "cpu"};
        Cli[] quietRun = new Cli[1];
        String quiet = Cli.processStderrOf(() -> quietRun[0] = Cli.run(verify));
        assertEquals(0, quietRun[0].exitCode(), quietRun[0].err());
        assertFalse(quiet.contains("stages"), quiet);

        String[] withBar = java.util.Arrays.copyOf(verify, verify.length + 1);
        withBar[verify.length] = "--progress";
        Cli[] barRun = new Cli[1];
        String bar = Cli.processStderrOf(() -> barRun[0] = Cli.run(withBar));
        assertEquals(0, barRun[0].exitCode(), barRun[0].err());
        assertTrue(barRun[0].out().contains("PASS"), barRun[0].out());
        // 2 batches (2 + 1 sequences) × 2 models × (3 layers + the output head) = 16 stages
        assertTrue(bar.contains("verify") && bar.contains("16/16 stages") && bar.contains("batch 2/2, B"), bar);
        assertFalse(bar.contains("\u001b["), "no terminal colours in a log: " + bar);
    }
}
