package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Valid safetensors files are not refused as corrupt (issue #8, fault 3): every dtype of the format parses, buffers
 * (GPT-2's BOOL or U8 causal mask) are skipped in any dtype, a weight stored in a type that
 * holds no floating-point numbers is refused by name, and a redundant output head beside tie_word_embeddings loads
 * when it equals the embedding.
 */
class SafetensorsDtypesTest {
    private final HfDirectoryFormat format = new HfDirectoryFormat();

    @TempDir
    Path dir;

    /** One tensor as a safetensors header describes it, with its raw bytes. */
    record Raw(String name, String dtype, long[] shape, byte[] data) {
    }

    @Test
    void everyDtypeOfTheFormatParses() throws IOException {
        // bits per element, from the format's specification
        Map<String, Integer> bits = new LinkedHashMap<>();
        List.of("BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0").forEach(t -> bits.put(t, 8));
        List.of("U16", "I16", "F16", "BF16").forEach(t -> bits.put(t, 16));
        List.of("U32", "I32", "F32").forEach(t -> bits.put(t, 32));
        List.of("U64", "I64", "F64", "C64").forEach(t -> bits.put(t, 64));
        bits.put("F4", 4);
        bits.put("F6_E2M3", 6);
        bits.put("F6_E3M2", 6);
        List<Raw> tensors = new ArrayList<>();
        // 8 elements fill whole bytes at every bit width
        bits.forEach((dtype, b) -> tensors.add(new Raw("t_" + dtype, dtype, new long[] {2, 4}, new byte[b])));
        Path file = dir.resolve("all.safetensors");
        writeRaw(file, tensors);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, SafetensorsFile.Entry> entries = SafetensorsFile.open(file, arena).entries();
            assertEquals(tensors.size(), entries.size());
            for (Raw t : tensors) {
                assertEquals(t.dtype(), entries.get(t.name()).dtype().name());
                assertEquals(t.data().length, entries.get(t.name()).end() - entries.get(t.name()).begin());
            }
        }
    }

    @Test
    void anUnknownDtypeIsStillCorrupt() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        writeRaw(file, List.of(new Raw("x", "F7", new long[] {2}, new byte[2])));
        try (Arena arena = Arena.ofConfined()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.open(file, arena));
            assertTrue(e.getMessage().contains("x: dtype \"F7\" is no safetensors dtype"), e.getMessage());
        }
    }

    /** transformers stored GPT-2's causal mask as float, then U8, then BOOL: all of them read. */
    @ParameterizedTest
    @ValueSource(strings = {"BOOL", "U8", "F32"})
    void gpt2CausalMaskInAnyDtypeIsSkipped(String dtype) throws IOException {
        Model model = RandomModels.create(FamilyFixtures.gpt2(true), DType.F32, 6);
        Path out = dir.resolve("gpt2");
        format.write(model, out);
        List<Raw> tensors = stored(out);
        int bytes = dtype.equals("F32") ? 4 : 1;
        tensors.add(new Raw("h.0.attn.bias", dtype, new long[] {1, 1, 10, 10}, new byte[100 * bytes]));
        tensors.add(new Raw("h.1.attn.bias", dtype, new long[] {1, 1, 10, 10}, new byte[100 * bytes]));
        tensors.add(new Raw("lm_head.weight", "F32", model.tensor(Role.TOKEN_EMBEDDING).shape(),
                model.tensor(Role.TOKEN_EMBEDDING).data().toArray(ValueLayout.JAVA_BYTE)));
        writeRaw(out.resolve("model.safetensors"), tensors);
        assertSameModel(model, format.read(out));
    }

    /** BertModel saves its position_ids buffer as I64. */
    @Test
    void bertPositionIdsInI64AreSkipped() throws IOException {
        Model model = RandomModels.create(FamilyFixtures.bert(true), DType.F32, 8);
        Path out = dir.resolve("bert");
        format.write(model, out);
        List<Raw> tensors = stored(out);
        int positions = model.config().maxSeqLen();
        tensors.add(new Raw("embeddings.position_ids", "I64", new long[] {1, positions}, new byte[8 * positions]));
        writeRaw(out.resolve("model.safetensors"), tensors);
        assertSameModel(model, format.read(out));
        assertEquals(model.tensors().keySet(), HfCheckpoint.open(out).tensors().keySet());
    }

    @Test
    void aWeightInANonFloatDtypeIsRefusedByName() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.F32, 2);
        Path out = dir.resolve("llama");
        format.write(model, out);
        List<Raw> tensors = new ArrayList<>();
        for (Raw t : stored(out)) {
            boolean quantized = t.name().equals("model.layers.1.mlp.up_proj.weight");
            tensors.add(quantized ? new Raw(t.name(), "I8", t.shape(), new byte[t.data().length / 4]) : t);
        }
        writeRaw(out.resolve("model.safetensors"), tensors);
        for (var read : List.<ThrowingRead>of(format::read, HfCheckpoint::open)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> read.read(out));
            assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight in model.safetensors: dtype I8"
                    + " cannot hold a weight"), e.getMessage());
        }
    }

    @Test
    void aTiedHeadStoredAnywayLoadsWhenItEqualsTheEmbedding() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.BF16, 4);
        Path out = dir.resolve("tied");
        format.write(model, out);
        Tensor embedding = model.tensor(Role.TOKEN_EMBEDDING);
        List<Raw> tensors = stored(out);
        tensors.add(new Raw("lm_head.weight", "BF16", embedding.shape(),
                embedding.data().toArray(ValueLayout.JAVA_BYTE)));
        writeRaw(out.resolve("model.safetensors"), tensors);
        assertSameModel(model, format.read(out));
        assertEquals(model.tensors().keySet(), HfCheckpoint.open(out).tensors().keySet());

        // the same values in another dtype are the same head
        tensors.set(tensors.size() - 1, new Raw("lm_head.weight", "F32", embedding.shape(),
                embedding.convertTo(DType.F32).data().toArray(ValueLayout.JAVA_BYTE)));
        writeRaw(out.resolve("model.safetensors"), tensors);
        assertSameModel(model, format.read(out));

        byte[] changed = embedding.data().toArray(ValueLayout.JAVA_BYTE);
        changed[5] ^= 1;
        tensors.set(tensors.size() - 1, new Raw("lm_head.weight", "BF16", embedding.shape(), changed));
        writeRaw(out.resolve("model.safetensors"), tensors);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(out));
        assertTrue(e.getMessage().contains("lm_head.weight " + Tensor.shapeString(embedding.shape())
                + " in model.safetensors differs from the embedding model.embed_tokens.weight although"
                + " tie_word_embeddings is true"), e.getMessage());
    }

    private interface ThrowingRead {
        Object read(Path dir) throws IOException;
    }

    /** Every tensor of a directory's model.safetensors, raw, in header order. */
    private static List<Raw> stored(Path modelDir) throws IOException {
        List<Raw> out = new ArrayList<>();
        Path path = modelDir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(path);
        try (Arena arena = Arena.ofConfined()) {
            for (SafetensorsFile.Entry e : SafetensorsFile.open(path, arena).entries().values()) {
                out.add(new Raw(e.name(), e.dtype().name(), e.shape(),
                        Arrays.copyOfRange(all, (int) e.begin(), (int) e.end())));
            }
        }
        return out;
    }

    /** A safetensors file laid out as the format says: header length, JSON header (padded to 8), data. */
    static void writeRaw(Path file, List<Raw> tensors) throws IOException {
        ObjectNode header = SafetensorsFile.JSON.createObjectNode();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Raw t : tensors) {
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype());
            var shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(data.size()).add(data.size() + t.data().length);
            data.write(t.data());
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(prefix.array());
        all.write(data.toByteArray());
        Files.write(file, all.toByteArray());
    }
}
