package io.grow4j.cli;

import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Model;
import io.grow4j.model.format.onnx.OnnxFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX acceptance check on a real BERT: all-MiniLM-L6-v2 grown by MLP (1536 → 3072), head addition (12 → 16),
 * head size (32 → 48) and hidden (384 → 768, by duplication) is written as an ONNX file that ONNX Runtime loads and
 * whose first output matches the original's within 1e-4 of the largest output; our engine agrees on both files.
 */
class OnnxEndToEndTest {
    private static final String PLAN = """
            seed: 11
            steps:
              - mlp: {size: 3072}
              - heads: {add: 4}
              - head_dim: {size: 48}
              - hidden: {size: 768}
            """;

    @TempDir
    static Path dir;
    static Path original;
    static Path grown;
    static Cli grow;

    @BeforeAll
    static void growMiniLm() throws IOException {
        original = MiniLm.path();
        grown = dir.resolve("grown.onnx");
        Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN);
        grow = Cli.run("grow", original.toString(), "--plan", plan.toString(), "--out", grown.toString());
    }

    @Test
    void theGrownGraphRunsInOnnxRuntimeAndMatchesTheOriginal() {
        assertEquals(0, grow.exitCode(), grow.out() + grow.err());
        assertTrue(grow.lastLine().startsWith("wrote " + grown + " (onnx)"), grow.out());
        Cli verify = Cli.run("verify", original.toString(), grown.toString(), "--engine", "onnxruntime");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertTrue(verify.out().contains("on onnxruntime, first output 'last_hidden_state'"), verify.out());
        assertEquals("PASS", verify.lastLine());
    }

    @Test
    void ourEngineVerifiesTheTwoOnnxFilesToo() {
        Cli verify = Cli.run("verify", original.toString(), grown.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertTrue(verify.out().contains("on cpu (float32), last hidden states"), verify.out());
        assertEquals("PASS", verify.lastLine());
    }

    @Test
    void ourForwardPassAndOnnxRuntimeAgreeOnTheGrownFile() throws IOException {
        Model model = new OnnxFormat().read(grown);
        SplittableRandom random = new SplittableRandom(5);
        int[] tokens = random.ints(24, 0, model.config().vocabSize()).toArray();
        int[] types = random.ints(24, 0, 2).toArray();
        try (CpuKernels kernels = new CpuKernels();
             EncoderEngine ours = EncoderEngine.ours(model, kernels);
             EncoderEngine runtime = EncoderEngine.onnxRuntime(grown)) {
            double[][] a = ours.hiddenStates(tokens, types);
            double[][] b = runtime.hiddenStates(tokens, types);
            double max = 0;
            for (int t = 0; t < a.length; t++) {
                for (int i = 0; i < a[t].length; i++) {
                    max = Math.max(max, Math.abs(a[t][i] - b[t][i]));
                }
            }
            assertTrue(max <= 1e-4, "max |Δ| between our float32 pass and ONNX Runtime: " + max);
        }
    }
}
