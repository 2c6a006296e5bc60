package io.grow4j.cli;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.forward.EncoderForward;
import io.grow4j.kernels.forward.EncoderReference;
import io.grow4j.model.Model;
import io.grow4j.onnxruntime.OnnxRuntimeEncoder;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One encoder's hidden states for a token sequence, from whichever engine computes them: our float32 pass on a
 * kernel backend, our float64 reference, or ONNX Runtime running the .onnx file itself.
 */
interface EncoderEngine extends AutoCloseable {
    /** [position][width] for one sequence. */
    double[][] hiddenStates(int[] tokens, int[] tokenTypes) throws IOException;

    /** [sequence][position][width] for a batch of sequences; engines that cannot batch run them one at a time. */
    default double[][][] hiddenStates(int[][] tokens, int[][] tokenTypes) throws IOException {
        double[][][] out = new double[tokens.length][][];
        for (int s = 0; s < tokens.length; s++) {
            out[s] = hiddenStates(tokens[s], tokenTypes[s]);
        }
        return out;
    }

    /** What is compared, for the report. */
    default String output() {
        return "last hidden states";
    }

    @Override
    default void close() throws IOException {
    }

    /** Our float32 pass, a batch's positions through each layer together (each weight read once per batch). */
    static EncoderEngine ours(Model model, KernelBackend kernels) {
        EncoderForward forward = new EncoderForward(model, kernels);
        return new EncoderEngine() {
            @Override
            public double[][] hiddenStates(int[] tokens, int[] tokenTypes) {
                return widen(forward.hiddenStates(tokens, tokenTypes));
            }

            @Override
            public double[][][] hiddenStates(int[][] tokens, int[][] tokenTypes) {
                float[][][] states = forward.hiddenStates(tokens, tokenTypes);
                double[][][] out = new double[states.length][][];
                for (int s = 0; s < states.length; s++) {
                    out[s] = widen(states[s]);
                }
                return out;
            }
        };
    }

    static EncoderEngine reference(Model model) {
        EncoderReference reference = new EncoderReference(model);
        return reference::hiddenStates;
    }

    static EncoderEngine onnxRuntime(Path file) throws IOException {
        OnnxRuntimeEncoder runtime = OnnxRuntimeEncoder.open(file);
        return new EncoderEngine() {
            @Override
            public double[][] hiddenStates(int[] tokens, int[] tokenTypes) throws IOException {
                return widen(runtime.firstOutput(tokens, tokenTypes));
            }

            @Override
            public String output() {
                return "first output '" + runtime.firstOutputName() + "'";
            }

            @Override
            public void close() throws IOException {
                runtime.close();
            }
        };
    }

    private static double[][] widen(float[][] rows) {
        double[][] out = new double[rows.length][];
        for (int t = 0; t < rows.length; t++) {
            out[t] = new double[rows[t].length];
            for (int i = 0; i < rows[t].length; i++) {
                out[t][i] = rows[t][i];
            }
        }
        return out;
    }
}
