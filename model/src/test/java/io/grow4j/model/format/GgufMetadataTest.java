package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata grow4j does not interpret goes back out unchanged: every value type, nested arrays, raw string bytes. */
class GgufMetadataTest {
    private static final byte[] NOT_UTF8 = {(byte) 0xe2, (byte) 0x96};
    private final GgufFormat format = new GgufFormat();
    private final TransformerConfig config = Fixtures.llama(false, RopeLayout.INTERLEAVED);

    @TempDir
    Path dir;

    /** The values {@link #tokenizerFile} writes, as the reader must see them, in file order. */
    private static SequencedMap<String, GgufValue> expectedCarried() {
        SequencedMap<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.name", GgufValue.Str.of("tiny stories ✓"));
        m.put("test.u8", new GgufValue.Int(GgufType.UINT8, 255));
        m.put("test.i8", new GgufValue.Int(GgufType.INT8, -5));
        m.put("test.u16", new GgufValue.Int(GgufType.UINT16, 65535));
        m.put("test.i16", new GgufValue.Int(GgufType.INT16, -300));
        m.put("test.u32", new GgufValue.Int(GgufType.UINT32, 4_000_000_000L));
        m.put("test.i32", new GgufValue.Int(GgufType.INT32, -7));
        m.put("test.f32", new GgufValue.Float32(0.1f));
        m.put("test.bool", new GgufValue.Bool(true));
        m.put("test.u64", new GgufValue.Int(GgufType.UINT64, -1));
        m.put("test.i64", new GgufValue.Int(GgufType.INT64, Long.MIN_VALUE));
        m.put("test.f64", new GgufValue.Float64(Math.PI));
        m.put("tokenizer.ggml.model", GgufValue.Str.of("llama"));
        m.put("tokenizer.ggml.tokens", new GgufValue.Array(GgufType.STRING, List.of(GgufValue.Str.of("<unk>"),
                GgufValue.Str.of("<s>"), GgufValue.Str.of("▁hello"), new GgufValue.Str(NOT_UTF8))));
        m.put("tokenizer.ggml.scores", new GgufValue.Array(GgufType.FLOAT32, List.of(new GgufValue.Float32(0),
                new GgufValue.Float32(-1.5f), new GgufValue.Float32(-2.25f), new GgufValue.Float32(Float.NaN))));
        m.put("tokenizer.ggml.merges", new GgufValue.Array(GgufType.STRING, List.of(GgufValue.Str.of("▁ h"),
                GgufValue.Str.of("e l"))));
        m.put("test.nested", new GgufValue.Array(GgufType.ARRAY, List.of(
                new GgufValue.Array(GgufType.UINT8, List.of(new GgufValue.Int(GgufType.UINT8, 1),
                        new GgufValue.Int(GgufType.UINT8, 2))),
                new GgufValue.Array(GgufType.STRING, List.of()))));
        m.put("test.empty", new GgufValue.Array(GgufType.INT64, List.of()));
        return m;
    }

    /** The same values encoded by hand, plus llama.cpp's config keys. */
    private Path tokenizerFile(Model model) throws IOException {
        GgufBytes b = new GgufBytes().llamaConfig(config)
                .str("general.name", "tiny stories ✓")
                .kv("test.u8", GgufBytes.UINT8, o -> o.u8(255))
                .kv("test.i8", GgufBytes.INT8, o -> o.u8(-5 & 0xff))
                .kv("test.u16", GgufBytes.UINT16, o -> o.i16(0xffff))
                .kv("test.i16", GgufBytes.INT16, o -> o.i16(-300))
                .kv("test.u32", GgufBytes.UINT32, o -> o.i32((int) 4_000_000_000L))
                .kv("test.i32", GgufBytes.INT32, o -> o.i32(-7))
                .kv("test.f32", GgufBytes.FLOAT32, o -> o.f32(0.1f))
                .kv("test.bool", GgufBytes.BOOL, o -> o.u8(1))
                .kv("test.u64", GgufBytes.UINT64, o -> o.i64(-1))
                .kv("test.i64", GgufBytes.INT64, o -> o.i64(Long.MIN_VALUE))
                .kv("test.f64", GgufBytes.FLOAT64, o -> o.f64(Math.PI))
                .str("tokenizer.ggml.model", "llama")
                .kv("tokenizer.ggml.tokens", GgufBytes.ARRAY, o -> o.i32(GgufBytes.STRING).i64(4)
                        .str("<unk>").str("<s>").str("▁hello").strBytes(NOT_UTF8))
                .kv("tokenizer.ggml.scores", GgufBytes.ARRAY, o -> o.i32(GgufBytes.FLOAT32).i64(4)
                        .f32(0).f32(-1.5f).f32(-2.25f).f32(Float.NaN))
                .kv("tokenizer.ggml.merges", GgufBytes.ARRAY, o -> o.i32(GgufBytes.STRING).i64(2).str("▁ h").str("e l"))
                .kv("test.nested", GgufBytes.ARRAY, o -> o.i32(GgufBytes.ARRAY).i64(2)
                        .i32(GgufBytes.UINT8).i64(2).u8(1).u8(2)
                        .i32(GgufBytes.STRING).i64(0))
                .kv("test.empty", GgufBytes.ARRAY, o -> o.i32(GgufBytes.INT64).i64(0));
        return b.llamaTensors(model).write(dir.resolve("tokenizer.gguf"));
    }

    @Test
    void everyValueTypeIsReadAsWritten() throws IOException {
        Model model = RandomModels.create(config, DType.F32, 11);
        GgufMetadata metadata = GgufMetadata.of(format.read(tokenizerFile(model))).orElseThrow();
        expectedCarried().forEach((key, value) -> assertEquals(value, metadata.get(key).orElseThrow(), key));
        assertEquals("▁hello", ((GgufValue.Str) ((GgufValue.Array) metadata.get("tokenizer.ggml.tokens")
                .orElseThrow()).elements().get(2)).text());
        assertEquals("18446744073709551615", metadata.get("test.u64").orElseThrow().toString());
    }

    @Test
    void uninterpretedKeysSurviveAWriteUnchangedAndInOrder() throws IOException {
        Model model = RandomModels.create(config, DType.F32, 12);
        Model read = format.read(tokenizerFile(model));
        Path again = dir.resolve("again.gguf");
        format.write(read, again);
        Model reread = format.read(again);
        Fixtures.assertSameModel(model, reread);
        SequencedMap<String, GgufValue> before = GgufMetadata.of(read).orElseThrow().entries();
        SequencedMap<String, GgufValue> after = GgufMetadata.of(reread).orElseThrow().entries();
        List<String> carried = new ArrayList<>(expectedCarried().keySet());
        assertEquals(carried, after.keySet().stream().filter(carried::contains).toList(), "order kept");
        for (String key : before.keySet()) {
            assertEquals(before.get(key), after.get(key), key);
        }
        assertEquals(new GgufValue.Int(GgufType.UINT32, 32), after.get("general.alignment"));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 4), after.get("llama.attention.key_length"));
        assertEquals("general.architecture", after.firstEntry().getKey());
    }

    /** Keys the config determines follow the model, whatever the carried metadata said. */
    @Test
    void configKeysFollowTheModel() throws IOException {
        Model model = RandomModels.create(config, DType.BF16, 13);
        SequencedMap<String, GgufValue> stale = new LinkedHashMap<>();
        stale.put("general.file_type", new GgufValue.Int(GgufType.UINT32, 7));
        stale.put("general.parameter_count", new GgufValue.Int(GgufType.UINT64, 1));
        stale.put("llama.block_count", new GgufValue.Int(GgufType.UINT32, 99));
        stale.put("llama.vocab_size", new GgufValue.Int(GgufType.UINT32, 5));
        stale.put("grow4j.llama.attention.layer_norm_rms_epsilon", new GgufValue.Float64(3e-7));
        stale.put("tokenizer.ggml.bos_token_id", new GgufValue.Int(GgufType.UINT32, 1));
        Path file = dir.resolve("stale.gguf");
        format.write(new GgufMetadata(stale).attachTo(model), file);
        Model read = format.read(file);
        Fixtures.assertSameModel(model, read);
        Map<String, GgufValue> m = GgufMetadata.of(read).orElseThrow().entries();
        assertEquals(new GgufValue.Int(GgufType.UINT32, 32), m.get("general.file_type"), "MOSTLY_BF16");
        assertEquals(new GgufValue.Int(GgufType.UINT64, model.parameterCount()), m.get("general.parameter_count"));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 2), m.get("llama.block_count"));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 32), m.get("llama.vocab_size"));
        assertTrue(!m.containsKey("grow4j.llama.attention.layer_norm_rms_epsilon"), "stale exact eps dropped");
        assertEquals(new GgufValue.Int(GgufType.UINT32, 1), m.get("tokenizer.ggml.bos_token_id"));
    }

    @Test
    void derivedModelsCarryTheMetadataToTheFile() throws IOException {
        Model read = format.read(tokenizerFile(RandomModels.create(config, DType.F32, 14)));
        Model derived = RopePermutation.toLayout(read.convertTo(DType.F16), RopeLayout.HALF_SPLIT);
        Path file = dir.resolve("derived.gguf");
        format.write(derived, file);
        Map<String, GgufValue> m = GgufMetadata.of(format.read(file)).orElseThrow().entries();
        expectedCarried().forEach((key, value) -> assertEquals(value, m.get(key), key));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 1), m.get("general.file_type"), "MOSTLY_F16");
    }
    /**
     * llama.cpp's MOSTLY_F16 means F16 matrices with F32 norms, what converters write; such a mixed file lost
     * general.file_type. Mixed matrices name the type holding most of their elements.
     */
    @Test
    void mixedFilesNameTheTypeOfTheirMatrices() throws IOException {
        Model f16 = RandomModels.create(config, DType.F16, 15);
        Map<TensorKey, Tensor> mixed = new LinkedHashMap<>(f16.tensors());
        mixed.replaceAll((key, t) -> key.role().isNorm() ? t.convertTo(DType.F32) : t);
        assertEquals(1, fileType(f16.derive(f16.config(), mixed), "norms.gguf"), "MOSTLY_F16");

        Model bf16 = RandomModels.create(config, DType.BF16, 16);
        Map<TensorKey, Tensor> rescaled = new LinkedHashMap<>(bf16.tensors());
        rescaled.replaceAll((key, t) -> key.role() == Role.WO ? t.convertTo(DType.F32) : t);
        assertEquals(32, fileType(bf16.derive(bf16.config(), rescaled), "rescaled.gguf"), "MOSTLY_BF16");
        assertEquals(0, fileType(RandomModels.create(config, DType.F32, 17), "f32.gguf"), "ALL_F32");
    }

    private long fileType(Model model, String name) throws IOException {
        Path file = dir.resolve(name);
        format.write(model, file);
        GgufValue value = GgufMetadata.of(format.read(file)).orElseThrow().entries().get("general.file_type");
        return ((GgufValue.Int) value).value();
    }
}
