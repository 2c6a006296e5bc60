package io.grow4j.train;

import com.fasterxml.jackson.core.JacksonException;
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
 * AdamW's state and the run's position as safetensors beside a checkpoint: {@code step} (F64 [1], the updates AdamW
 * has taken: the t of its bias correction), {@code position} (F64 [3]: steps done, which is the schedule and data
 * position, tokens and FLOPs so far; the two steps differ once a growth reset the optimizer), then {@code m.<tensor>}
 * and {@code v.<tensor>} (F32, the weight's shape) for every tensor in the model's key order. Written atomically;
 * reading checks every tensor's presence, dtype, shape and byte range and reports all problems together.
 */
public final class OptimizerStateFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the file holds. */
    public record Contents(AdamW optimizer, TrainingPosition position) {
    }

    private OptimizerStateFile() {
    }

    public static void write(Path file, AdamW state, TrainingPosition position) throws IOException {
        TransformerConfig config = state.first().config();
        List<SafetensorsEntry> entries = new ArrayList<>();
        entries.add(new SafetensorsEntry("step", DType.F64, new long[] {1}));
        entries.add(new SafetensorsEntry("position", DType.F64, new long[] {3}));
        for (String moment : List.of("m.", "v.")) {
            for (TensorKey key : Model.expectedKeys(config)) {
                entries.add(new SafetensorsEntry(moment + key, DType.F32, key.role().shape(config)));
            }
        }
        AtomicOutput.writeFile(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(SafetensorsWriter.prefix(entries));
                out.write(ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putDouble(state.step())
                        .putDouble(position.step()).putDouble(position.tokens()).putDouble(position.flops()).array());
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
        return readAll(file, config, settings).optimizer();
    }

    /** As {@link #read}, with the run's position. */
    public static Contents readAll(Path file, TransformerConfig config, AdamW.Settings settings) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        JsonNode header = header(file, data);
        int base = 8 + (int) data.getLong(0);
        List<String> problems = new ArrayList<>();
        Parameters first = Parameters.zeros(config);
        Parameters second = Parameters.zeros(config);
        for (TensorKey key : Model.expectedKeys(config)) {
            load(header, data, base, "m." + key, key.role().shape(config), first.get(key), problems);
            load(header, data, base, "v." + key, key.role().shape(config), second.get(key), problems);
        }
        double[] step = scalars(header, data, base, "step", 1, problems);
        double[] position = scalars(header, data, base, "position", 3, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": optimizer state does not fit the model:\n  "
                    + String.join("\n  ", problems));
        }
        if (step[0] < 0 || step[0] != Math.rint(step[0]) || position[0] != Math.rint(position[0])
                || position[1] != Math.rint(position[1])) {
            throw new IllegalArgumentException(file + ": tensor step " + step[0] + " or position "
                    + Arrays.toString(position) + " is not a whole count");
        }
        TrainingPosition at;
        try {
            at = new TrainingPosition((int) position[0], (long) position[1], position[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": tensor position: " + e.getMessage(), e);
        }
        return new Contents(new AdamW(settings, first, second, (int) step[0]), at);
    }

    private static JsonNode header(Path file, ByteBuffer data) {
        if (data.capacity() < 8) {
            throw new IllegalArgumentException(file + ": " + data.capacity() + " bytes, too short for safetensors");
        }
        long headerLength = data.getLong(0);
        if (headerLength < 2 || headerLength > data.capacity() - 8) {
            throw new IllegalArgumentException(file + ": header length " + headerLength + " does not fit the file's "
                    + data.capacity() + " bytes");
        }
        try {
            JsonNode header = JSON.readTree(new String(data.array(), 8, (int) headerLength, StandardCharsets.UTF_8));
            if (header == null || !header.isObject()) {
                throw new IllegalArgumentException(file + ": safetensors header at bytes 8.." + (8 + headerLength)
                        + " is not a JSON object");
            }
            return header;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": safetensors header at bytes 8.." + (8 + headerLength)
                    + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static void load(JsonNode header, ByteBuffer data, int base, String name, long[] shape, float[] into,
                             List<String> problems) {
        ByteBuffer bytes = slice(header, data, base, name, DType.F32, shape, problems);
        if (bytes != null) {
            bytes.asFloatBuffer().get(into);
        }
    }

    private static double[] scalars(JsonNode header, ByteBuffer data, int base, String name, int count,
                                    List<String> problems) {
        double[] values = new double[count];
        ByteBuffer bytes = slice(header, data, base, name, DType.F64, new long[] {count}, problems);
        if (bytes != null) {
            bytes.asDoubleBuffer().get(values);
        }
        return values;
    }

    /** The tensor's bytes when its entry has the expected dtype and shape and its range lies in the file, else null. */
    private static ByteBuffer slice(JsonNode header, ByteBuffer data, int base, String name, DType dtype,
                                    long[] shape, List<String> problems) {
        JsonNode node = header.get(name);
        String want = dtype.safetensorsName() + " " + Tensor.shapeString(shape);
        if (node == null) {
            problems.add("missing tensor " + name + ", expected " + want);
            return null;
        }
        long[] got = new long[node.path("shape").size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = node.path("shape").get(i).asLong();
        }
        long start = base + node.path("data_offsets").path(0).asLong(-1);
        long end = base + node.path("data_offsets").path(1).asLong(-1);
        long size = Tensor.elementCount(shape) * dtype.bytes();
        if (!dtype.safetensorsName().equals(node.path("dtype").asText()) || !Arrays.equals(got, shape)
                || start < base || end - start != size || end > data.capacity()) {
            problems.add("tensor " + name + ": expected " + want + ", got " + node.path("dtype").asText() + " "
                    + Tensor.shapeString(got) + " at bytes " + start + ".." + end
                    + (end > data.capacity() ? ", past the file's end at " + data.capacity() : ""));
            return null;
        }
        return data.slice((int) start, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
