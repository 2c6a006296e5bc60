package io.grow4j.onnxruntime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX encoder (BERT) run in ONNX Runtime, one sequence at a time (batch 1). It feeds only the inputs the graph
 * declares, each by its Hugging Face name: input_ids the tokens, attention_mask all ones, token_type_ids the given
 * types, in whichever integer type the graph asks for. The result is the graph's first output, for BERT exports the
 * last hidden state, as [position][feature].
 */
public final class OnnxRuntimeEncoder implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Map<String, TensorInfo> inputs = new LinkedHashMap<>();
    private final String firstOutput;

    private OnnxRuntimeEncoder(Path file, OrtEnvironment environment, OrtSession session) throws OrtException {
        this.file = file;
        this.environment = environment;
        this.session = session;
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo info)) {
                throw new IllegalArgumentException(file + ": graph input '" + e.getKey() + "' is not a tensor");
            }
            inputs.put(e.getKey(), info);
        }
        this.firstOutput = session.getOutputNames().iterator().next();
    }

    /**
     * Loads {@code file} into a new ONNX Runtime session (CPU).
     *
     * @throws IOException ONNX Runtime cannot load or initialise the model (the message is its own)
     */
    public static OnnxRuntimeEncoder open(Path file) throws IOException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            OrtSession session = environment.createSession(file.toString(), options);
            try {
                return new OnnxRuntimeEncoder(file, environment, session);
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new IOException(file + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    /** The graph's inputs, in declaration order. */
    public List<String> inputNames() {
        return List.copyOf(inputs.keySet());
    }

    /** The name of the output {@link #firstOutput} returns. */
    public String firstOutputName() {
        return firstOutput;
    }

    /**
     * The first output for one sequence, [tokens.length][width].
     *
     * @param tokenTypes one segment id per token, used only if the graph declares token_type_ids
     * @throws IllegalArgumentException the graph needs an input this engine cannot fill, or its first output is not a
     *     float tensor of rank 3
     * @throws IOException ONNX Runtime failed while running the graph
     */
    public float[][] firstOutput(int[] tokens, int[] tokenTypes) throws IOException {
        if (tokens.length != tokenTypes.length) {
            throw new IllegalArgumentException(tokens.length + " tokens but " + tokenTypes.length + " token types");
        }
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, TensorInfo> input : inputs.entrySet()) {
                feed.put(input.getKey(), tensor(input.getKey(), input.getValue().type, values(input.getKey(), tokens,
                        tokenTypes)));
            }
            try (OrtSession.Result result = session.run(feed)) {
                return rows(result.get(0));
            }
        } catch (OrtException e) {
            throw new IOException(file + ": ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private int[] values(String input, int[] tokens, int[] tokenTypes) {
        return switch (input) {
            case "input_ids" -> tokens;
            case "token_type_ids" -> tokenTypes;
            case "attention_mask" -> ones(tokens.length);
            default -> throw new IllegalArgumentException(file + ": graph input '" + input + "' is none of input_ids,"
                    + " attention_mask and token_type_ids, so this engine cannot fill it");
        };
    }

    /** A [1, n] tensor of the integer type the graph declares. */
    private OnnxTensor tensor(String input, OnnxJavaType type, int[] values) throws OrtException {
        return switch (type) {
            case INT64 -> OnnxTensor.createTensor(environment, new long[][] {toLongs(values)});
            case INT32 -> OnnxTensor.createTensor(environment, new int[][] {values});
            default -> throw new IllegalArgumentException(file + ": graph input '" + input + "' has type " + type
                    + ", expected int64 or int32 ids");
        };
    }

    private float[][] rows(OnnxValue output) throws OrtException {
        if (output.getValue() instanceof float[][][] batch && batch.length == 1) {
            return batch[0];
        }
        throw new IllegalArgumentException(file + ": first output '" + firstOutput + "' is " + output.getInfo()
                + ", expected float [1, sequence, width]");
    }

    private static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static int[] ones(int n) {
        int[] out = new int[n];
        Arrays.fill(out, 1);
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IOException(file + ": closing the ONNX Runtime session failed: " + e.getMessage(), e);
        }
    }
}
