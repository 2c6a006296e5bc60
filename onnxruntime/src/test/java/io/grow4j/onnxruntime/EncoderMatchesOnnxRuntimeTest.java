package io.grow4j.onnxruntime;

import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.kernels.forward.EncoderForward;
import io.grow4j.kernels.forward.EncoderReference;
import io.grow4j.model.Model;
import io.grow4j.model.format.onnx.OnnxFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The acceptance check on a real BERT: our encoder passes (float32 on the Vector API backend, and the float64
 * reference) read all-MiniLM-L6-v2 from its ONNX graph and compute the hidden states ONNX Runtime computes from the
 * same file, within 1e-4, on seeded random token sequences of several lengths and both token types.
 */
class EncoderMatchesOnnxRuntimeTest {
    private static final double BOUND = 1e-4;

    static Model model;
    static OnnxRuntimeEncoder runtime;

    @BeforeAll
    static void load() throws IOException {
        model = new OnnxFormat().read(MiniLm.path());
        runtime = OnnxRuntimeEncoder.open(MiniLm.path());
    }

    @AfterAll
    static void close() throws IOException {
        runtime.close();
    }

    @Test
    void theEngineFeedsWhatTheGraphDeclares() {
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), runtime.inputNames());
        assertEquals("last_hidden_state", runtime.firstOutputName());
    }

    @Test
    void forwardPassesMatchOnnxRuntime() throws IOException {
        SplittableRandom random = new SplittableRandom(20240611);
        EncoderReference reference = new EncoderReference(model);
        try (CpuKernels kernels = new CpuKernels()) {
            EncoderForward forward = new EncoderForward(model, kernels);
            for (int length : new int[] {1, 7, 33, 128}) {
                int[] tokens = random.ints(length, 0, model.config().vocabSize()).toArray();
                int[] types = random.ints(length, 0, 2).toArray();
                float[][] expected = runtime.firstOutput(tokens, types);
                double floatDiff = maxAbsDiff(expected, forward.hiddenStates(tokens, types));
                double doubleDiff = maxAbsDiff(expected, reference.hiddenStates(tokens, types));
                assertTrue(floatDiff <= BOUND, "float32 pass, length " + length + ": max |Δ| " + floatDiff);
                assertTrue(doubleDiff <= BOUND, "float64 reference, length " + length + ": max |Δ| " + doubleDiff);
            }
        }
    }

    static double maxAbsDiff(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t].length, actual[t].length);
            for (int i = 0; i < expected[t].length; i++) {
                max = Math.max(max, Math.abs(expected[t][i] - actual[t][i]));
            }
        }
        return max;
    }

    static double maxAbsDiff(float[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        double max = 0;
        for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t].length, actual[t].length);
            for (int i = 0; i < expected[t].length; i++) {
                max = Math.max(max, Math.abs(expected[t][i] - actual[t][i]));
            }
        }
        return max;
    }
}
