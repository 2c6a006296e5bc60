package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every broken GGUF file fails with a CheckpointException naming the file and the offset, key or tensor. */
class GgufBadInputTest {
    private final GgufFormat format = new GgufFormat();
    private final TransformerConfig config = Fixtures.llama(false, RopeLayout.INTERLEAVED);
    private final Model model = RandomModels.create(config, DType.F32, 21);

    @TempDir
    Path dir;

    /**
     * Cut points counted from the spec: magic 0-4, version 4-8, tensor count 8-16, metadata count 16-24, then
     * "general.architecture" (length 24-32, bytes 32-52, type 52-56, value length 56-64, "llama" 64-69).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "3  | the GGUF magic: need 1 more bytes",
            "6  | the GGUF version: need 2 more bytes",
            "12 | tensor count: need 4 more bytes",
            "40 | metadata key 0: need 12 more bytes",
            "54 | the value type of metadata 'general.architecture': need 2 more bytes",
            "60 | metadata 'general.architecture' length: need 4 more bytes",
            "66 | metadata 'general.architecture': need 3 more bytes"})
    void truncatedHeaderNamesOffsetAndField(int cut, String expected) throws IOException {
        Path file = truncated(cut);
        assertFails(file, "truncated at offset " + cut + " while reading " + expected);
    }

    @Test
    void truncatedTensorTableNamesTheTensor() throws IOException {
        byte[] bytes = handBuilt().build();
        int name = indexOf(bytes, "token_embd.weight");
        Path file = truncated(name + 17 + 4 + 3); // into the first dim of token_embd.weight
        assertFails(file, "truncated at offset " + (name + 24) + " while reading tensor info of 'token_embd.weight':"
                + " need 5 more bytes");
    }

    @Test
    void truncatedDataNamesTheTensorItCuts() throws IOException {
        long size = handBuilt().build().length;
        Path file = truncated(size - 10);
        // Tensors are laid out in key order: globals first, then layer 1's last role, ffn_down, is last: [24, 16].
        assertFails(file, "tensor 'blk.1.ffn_down.weight' (F32 dims [24, 16]) spans bytes " + (size - 16 * 24 * 4)
                + ".." + size + " (data section offset ");
        assertFails(file, "outside the file, which ends at offset " + (size - 10)
                + ": the file is truncated or the offset is corrupt");
    }

    @Test
    void dataOffsetOutsideTheFileNamesTensorAndOffset() throws IOException {
        Path file = handBuilt().lastOffset(1L << 40).write(dir.resolve("far.gguf"));
        assertFails(file, "tensor 'blk.1.ffn_down.weight' (F32 dims [24, 16]) spans bytes ");
        assertFails(file, "(data section offset 1099511627776), outside the file, which ends at offset "
                + Files.size(file));
    }

    @Test
    void misalignedDataOffsetIsRefused() throws IOException {
        Path file = handBuilt().lastOffset(4).write(dir.resolve("misaligned.gguf"));
        assertFails(file, "tensor 'blk.1.ffn_down.weight' (F32 dims [24, 16]): data offset 4 is not a multiple of the"
                + " alignment 32");
    }

    @Test
    void badMagicAndVersion() throws IOException {
        Path file = handBuilt().write(dir.resolve("bad.gguf"));
        byte[] bytes = Files.readAllBytes(file);
        bytes[2] = 'M';
        bytes[3] = 'L';
        Files.write(file, bytes);
        assertFails(file, "not a GGUF file: offset 0 holds bytes 47 47 4d 4c, expected 47 47 55 46 ('GGUF')");

        assertFails(handBuilt().version(4).write(file), "unsupported GGUF version 4 at offset 4; supported: 2, 3");
        assertFails(handBuilt().version(1).write(file), "unsupported GGUF version 1 at offset 4 (version 1 used 32-bit");
        assertFails(handBuilt().version(0x03000000).write(file), "(a big-endian GGUF file;");
        Fixtures.assertSameModel(model, format.read(handBuilt().version(2).write(file)));
    }

    @Test
    void unknownOrMissingArchitectureListsTheSupportedOnes() throws IOException {
        Path file = new GgufBytes().str("general.architecture", "gpt2").write(dir.resolve("gpt2.gguf"));
        assertFails(file, "unsupported architecture 'gpt2' (supported: llama, qwen2, qwen3, olmo2, qwen2moe, phi3, gptneox, gemma2, gemma3)");
        file = new GgufBytes().str("general.name", "x").write(dir.resolve("none.gguf"));
        assertFails(file, "no general.architecture (supported: llama, qwen2, qwen3, olmo2, qwen2moe, phi3, gptneox, gemma2, gemma3)");
    }

    @Test
    void corruptMetadataNamesKeyAndOffset() throws IOException {
        Path file = dir.resolve("corrupt.gguf");
        new GgufBytes().kv("x.type", 99, o -> { }).write(file);
        assertFails(file, "metadata 'x.type': unknown value type 99 at offset 38");
        new GgufBytes().kv("x.array", GgufBytes.ARRAY, o -> o.i32(GgufBytes.STRING).i64(1L << 40)).write(file);
        assertFails(file, "metadata 'x.array' array count 1099511627776 at offset 47 needs at least 8 bytes per item,"
                + " but 9 bytes are left in the file: the file is truncated or the count is corrupt");
        new GgufBytes().kv("x.bool", GgufBytes.BOOL, o -> o.u8(2)).write(file);
        assertFails(file, "metadata 'x.bool': bool byte 2 at offset 42 is neither 0 nor 1");
        new GgufBytes().str("general.name", "a").str("general.name", "b").write(file);
        assertFails(file, "metadata key 'general.name' at offset 57 appears twice");
        new GgufBytes().alignment(24).write(file);
        assertFails(file, "general.alignment must be a positive power of two, got UINT32 24");
    }

    @Test
    void configProblemsAreListedTogether() throws IOException {
        Path file = new GgufBytes().str("general.architecture", "llama")
                .str("llama.attention.head_count", "eight")
                .u32("llama.block_count", 2)
                .kv("llama.feed_forward_length", GgufBytes.ARRAY, o -> o.i32(GgufBytes.UINT32).i64(1).i32(24))
                .u32("llama.expert_count", 8)
                .str("llama.rope.scaling.type", "yarn").f32("llama.rope.scaling.factor", 4)
                .llamaTensors(model).write(dir.resolve("config.gguf"));
        CheckpointException e = assertFails(file, "cannot read the llama config from its metadata:");
        for (String problem : new String[] {"missing llama.embedding_length",
                "llama.attention.head_count must be an integer >= 1, got STRING \"eight\"",
                "llama.feed_forward_length must be an integer >= 1, got ARRAY UINT32[1] (per-layer values are not"
                        + " supported)",
                "missing llama.context_length", "missing llama.attention.layer_norm_rms_epsilon",
                // expert_count makes it a llama file with experts, which needs how many run per token
                "missing llama.expert_used_count",
                "llama.rope.scaling.type 'yarn' with factor 4.0 is not supported (none and linear are, and per-pair"
                        + " divisors in rope_freqs.weight)"}) {
            assertTrue(e.getMessage().contains("\n  " + problem), problem + " in\n" + e.getMessage());
        }
    }

    /** Issue 8, fault 6: the ranges config.json's rms_norm_eps and rope_theta are held to, with key and value. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Infinity  | 10000     | llama.attention.layer_norm_rms_epsilon is Infinity; it must be a finite number >= 0",
            "NaN       | 10000     | llama.attention.layer_norm_rms_epsilon is NaN; it must be a finite number >= 0",
            "-1e-5     | 10000     | llama.attention.layer_norm_rms_epsilon is -1.0E-5; it must be a finite number >= 0",
            "1e-5      | NaN       | llama.rope.freq_base is NaN; it must be a finite number > 0",
            "1e-5      | 0         | llama.rope.freq_base is 0.0; it must be a finite number > 0",
            "1e-5      | -Infinity | llama.rope.freq_base is -Infinity; it must be a finite number > 0"})
    void nonFiniteOrOutOfRangeRealsAreRefusedByKeyAndValue(float eps, float base, String expected) throws IOException {
        Path file = new GgufBytes().str("general.architecture", "llama")
                .u32("llama.context_length", config.maxSeqLen())
                .u32("llama.embedding_length", config.hidden())
                .u32("llama.block_count", config.layers())
                .u32("llama.feed_forward_length", config.mlp().size())
                .u32("llama.attention.head_count", config.attention().queryHeads())
                .u32("llama.attention.head_count_kv", config.attention().kvHeads())
                .u32("llama.rope.dimension_count", config.attention().keySize())
                .f32("llama.attention.layer_norm_rms_epsilon", eps)
                .f32("llama.rope.freq_base", base)
                .llamaTensors(model).write(dir.resolve("reals.gguf"));
        assertFails(file, "cannot read the llama config from its metadata:\n  " + expected);
    }

    @Test
    void tensorProblemsAreListedTogether() throws IOException {
        GgufBytes b = new GgufBytes().llamaConfig(config);
        model.tensors().forEach((key, t) -> {
            long[] dims = GgufBytes.reversed(t.shape());
            String name = GgufBytes.name(key);
            if (key.equals(TensorKey.of(Role.W_UP, 1))) {
                return;
            }
            if (key.equals(TensorKey.of(Role.WK, 0))) {
                dims = new long[] {16, 12};
            }
            int type = key.equals(TensorKey.of(Role.WV, 1)) ? GgufBytes.GGML_IQ2_XXS : GgufBytes.GGML_F32;
            byte[] data = type == GgufBytes.GGML_F32 ? new byte[(int) Arrays.stream(dims).reduce(4, (x, y) -> x * y)]
                    : new byte[66];
            b.tensor(name, type, type == GgufBytes.GGML_F32 ? dims : new long[] {256, 1}, data);
        });
        b.tensor("blk.0.ffn_gate_inp.weight", GgufBytes.GGML_F32, new long[] {2}, new byte[8]);
        CheckpointException e = assertFails(b.write(dir.resolve("tensors.gguf")),
                "tensors disagree with the llama metadata:");
        for (String problem : new String[] {"missing blk.1.ffn_up.weight (layers.1.w_up), expected dims [16, 24]",
                "blk.0.attn_k.weight: expected dims [16, 8], got [16, 12] (ggml order, innermost first)",
                "blk.1.attn_v.weight: expected dims [16, 8], got [256, 1]",
                "unexpected tensor blk.0.ffn_gate_inp.weight F32 dims [2]"}) {
            assertTrue(e.getMessage().contains("\n  " + problem), problem + " in\n" + e.getMessage());
        }
    }

    @Test
    void unreadableQuantizedTypeIsNamed() throws IOException {
        // hidden 32: attn_q rows are one IQ4_NL block (32 elements in 18 bytes), a type grow4j does not decode.
        Model wide = RandomModels.create(GgufQuantizedTest.CONFIG, DType.F32, 3);
        GgufBytes b = new GgufBytes().llamaConfig(GgufQuantizedTest.CONFIG);
        wide.tensors().forEach((key, t) -> {
            boolean quantized = key.equals(TensorKey.of(Role.WQ, 0));
            b.tensor(GgufBytes.name(key), quantized ? GgufBytes.GGML_IQ4_NL : GgufBytes.GGML_F32,
                    GgufBytes.reversed(t.shape()), quantized ? new byte[32 * 18] : GgufBytes.f32Bytes(t));
        });
        assertFails(b.write(dir.resolve("iq.gguf")), "blk.0.attn_q.weight at offset ");
        assertFails(b.write(dir.resolve("iq.gguf")), ": ggml type IQ4_NL (20) cannot be read (readable: F32, F16, Q4_0,"
                + " Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, F64, BF16)");
    }

    @Test
    void partialBlocksAreRefused() throws IOException {
        GgufBytes b = new GgufBytes().llamaConfig(config);
        model.tensors().forEach((key, t) -> {
            boolean quantized = key.equals(TensorKey.of(Role.W_DOWN, 0));
            b.tensor(GgufBytes.name(key), quantized ? GgufBytes.GGML_Q8_0 : GgufBytes.GGML_F32,
                    GgufBytes.reversed(t.shape()), quantized ? new byte[0] : GgufBytes.f32Bytes(t));
        });
        assertFails(b.write(dir.resolve("partial.gguf")), "tensor 'blk.0.ffn_down.weight' (Q8_0 dims [24, 16]):"
                + " innermost dim 24 is not a multiple of the Q8_0 block size 32");
    }

    private GgufBytes handBuilt() {
        return new GgufBytes().llamaConfig(config).llamaTensors(model);
    }

    private Path truncated(long size) throws IOException {
        byte[] bytes = handBuilt().build();
        return Files.write(dir.resolve("cut-" + size + ".gguf"), Arrays.copyOf(bytes, (int) size));
    }

    private CheckpointException assertFails(Path file, String expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in\n" + e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + n.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + n.length, n, 0, n.length)) {
                return i;
            }
        }
        throw new AssertionError(needle + " not found");
    }
}
