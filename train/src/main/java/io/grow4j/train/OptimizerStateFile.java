package io.grow4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * AdamW's state as safetensors beside a checkpoint: {@code step} (F64 [1], the updates taken, which is also the
 * schedule position), then {@code m.<tensor>} and {@code v.<tensor>} (F32, the weight's shape) for every tensor in
 * the model's key order. Written atomically; reading checks every tensor's presence, dtype and shape and reports
 * all problems together.
 */
public final class OptimizerStateFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OptimizerStateFile() {
    }

    public static void write(Path file, AdamW state) throws IOException {
        TransformerConfig config = state.first().config();
        List<SafetensorsEntry> entries = new ArrayList<>();
        entries.add(new SafetensorsEntry("step", DType.F64, new long[] {1}));
        for (String moment : List.of("m.", "v.")) {
            for (TensorKey key : Model.expectedKeys(config)) {
                entries.add(new SafetensorsEntry(moment + key, DType.F32, key.role().shape(config)));
            }
        }
        AtomicOutput.writeFile(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(SafetensorsWriter.prefix(entries));
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(state.step()).array());
                for (Parameters moment : List.of(state.first(), state.second())) {
                    for (float[] a : moment.arrays().values()) {
                        ByteBuffer bytes = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
                        bytes.asFloatBuffer().put(a);
                        out.write(bytes.array());
                    }
                }
            }
        });
    }

    /** The state for a model of {@code config}; IllegalArgumentException naming every missing or misshapen tensor. */
    public static AdamW read(Path file, TransformerConfig config, AdamW.Settings settings) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (data.remaining() < 8) {
            throw new IllegalArgumentException(file + ": " + data.remaining() + " bytes, too short for safetensors");
        }
        long headerLength = data.getLong(0);
        if (headerLength < 2 || headerLength > data.capacity() - 8) {
            throw new IllegalArgumentException(file + ": header length " + headerLength + " does not fit the file's "
                    + data.capacity() + " bytes");
        }
        JsonNode header = JSON.readTree(new String(data.array(), 8, (int) headerLength, StandardCharsets.UTF_8));
        int base = 8 + (int) headerLength;
        List<String> problems = new ArrayList<>();
        Parameters first = Parameters.zeros(config);
        Parameters second = Parameters.zeros(config);
        for (TensorKey key : Model.expectedKeys(config)) {
            load(header, data, base, "m." + key, key.role().shape(config), first.get(key), problems);
            load(header, data, base, "v." + key, key.role().shape(config), second.get(key), problems);
        }
        JsonNode step = header.get("step");
        if (step == null || !"F64".equals(step.path("dtype").asText())) {
            problems.add("tensor step: expected F64 [1], " + (step == null ? "missing" : "got " + step));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": optimizer state does not fit the model:\n  "
                    + String.join("\n  ", problems));
        }
        double steps = data.getDouble(base + step.get("data_offsets").get(0).asInt());
        return new AdamW(settings, first, second, (int) steps);
    }

    private static void load(JsonNode header, ByteBuffer data, int base, String name, long[] shape, float[] into,
                             List<String> problems) {
        JsonNode node = header.get(name);
        String want = "F32 " + Tensor.shapeString(shape);
        if (node == null) {
            problems.add("missing tensor " + name + ", expected " + want);
            return;
        }
        long[] got = new long[node.path("shape").size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = node.path("shape").get(i).asLong();
        }
        long start = base + node.path("data_offsets").path(0).asLong();
        long end = base + node.path("data_offsets").path(1).asLong();
        if (!"F32".equals(node.path("dtype").asText()) || !Arrays.equals(got, shape)
                || end - start != 4L * into.length || end > data.capacity()) {
            problems.add("tensor " + name + ": expected " + want + ", got " + node.path("dtype").asText() + " "
                    + Tensor.shapeString(got) + " at bytes " + start + ".." + end);
            return;
        }
        data.slice((int) start, 4 * into.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(into);
    }
}
