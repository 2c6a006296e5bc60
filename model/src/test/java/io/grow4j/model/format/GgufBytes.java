package io.grow4j.model.format;

import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds GGUF files byte by byte from the spec, independently of {@link GgufWriter}, so the reader is tested against
 * files it did not write and a reader and writer agreeing on a wrong layout would still fail. Type ids are the spec's
 * numbers, written out here rather than taken from the production enums.
 */
final class GgufBytes {
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;
    static final int GGML_F32 = 0, GGML_Q4_0 = 2, GGML_Q8_0 = 8, GGML_Q6_K = 14, GGML_IQ2_XXS = 16, GGML_IQ4_NL = 20;

    /** llama.cpp's names, written out independently of GgufFamily. */
    static final Map<Role, String> LLAMA_NAMES = Map.ofEntries(
            Map.entry(Role.TOKEN_EMBEDDING, "token_embd.weight"),
            Map.entry(Role.ATTENTION_NORM, "blk.%d.attn_norm.weight"),
            Map.entry(Role.WQ, "blk.%d.attn_q.weight"),
            Map.entry(Role.WK, "blk.%d.attn_k.weight"),
            Map.entry(Role.WV, "blk.%d.attn_v.weight"),
            Map.entry(Role.WO, "blk.%d.attn_output.weight"),
            Map.entry(Role.MLP_NORM, "blk.%d.ffn_norm.weight"),
            Map.entry(Role.W_GATE, "blk.%d.ffn_gate.weight"),
            Map.entry(Role.W_UP, "blk.%d.ffn_up.weight"),
            Map.entry(Role.W_DOWN, "blk.%d.ffn_down.weight"),
            Map.entry(Role.FINAL_NORM, "output_norm.weight"),
            Map.entry(Role.OUTPUT, "output.weight"));

    /** Little-endian output. */
    static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Out u8(int v) {
            bytes.write(v);
            return this;
        }

        Out i16(int v) {
            return raw(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
        }

        Out i32(int v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        Out i64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Out f32(float v) {
            return i32(Float.floatToRawIntBits(v));
        }

        Out f64(double v) {
            return i64(Double.doubleToRawLongBits(v));
        }

        Out str(String s) {
            return strBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Out strBytes(byte[] b) {
            i64(b.length);
            return raw(b);
        }

        Out raw(byte[] b) {
            bytes.writeBytes(b);
            return this;
        }

        int size() {
            return bytes.size();
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    private record TensorSpec(String name, long[] dims, int type, byte[] data) {
    }

    private final Out kv = new Out();
    private int kvCount;
    private final List<TensorSpec> tensors = new ArrayList<>();
    private int version = 3;
    private int alignment = 32;
    private Long forcedOffset;

    GgufBytes version(int v) {
        version = v;
        return this;
    }

    /** Also writes general.alignment; the data is laid out with it. */
    GgufBytes alignment(int a) {
        alignment = a;
        return kv("general.alignment", UINT32, o -> o.i32(a));
    }

    /** The last tensor's offset, whatever its data (to point it outside the file). */
    GgufBytes lastOffset(long offset) {
        forcedOffset = offset;
        return this;
    }

    GgufBytes kv(String key, int type, Consumer<Out> value) {
        kv.str(key).i32(type);
        value.accept(kv);
        kvCount++;
        return this;
    }

    GgufBytes str(String key, String value) {
        return kv(key, STRING, o -> o.str(value));
    }

    GgufBytes u32(String key, long value) {
        return kv(key, UINT32, o -> o.i32((int) value));
    }

    GgufBytes f32(String key, float value) {
        return kv(key, FLOAT32, o -> o.f32(value));
    }

    /** A tensor with its dims in ggml order (innermost first) and its raw data. */
    GgufBytes tensor(String name, int type, long[] dims, byte[] data) {
        tensors.add(new TensorSpec(name, dims, type, data));
        return this;
    }

    /** The llama.* keys llama.cpp writes for {@code c} (interleaved RoPE is implied). */
    GgufBytes llamaConfig(TransformerConfig c) {
        str("general.architecture", "llama");
        u32("llama.context_length", c.maxSeqLen());
        u32("llama.embedding_length", c.hidden());
        u32("llama.block_count", c.layers());
        u32("llama.feed_forward_length", c.mlp().size());
        u32("llama.attention.head_count", c.attention().queryHeads());
        u32("llama.attention.head_count_kv", c.attention().kvHeads());
        u32("llama.rope.dimension_count", c.attention().keySize());
        f32("llama.attention.layer_norm_rms_epsilon", (float) c.normEps());
        return f32("llama.rope.freq_base", (float) ((Positions.Rope) c.positions()).theta());
    }

    /** Every tensor of an F32 model under llama.cpp's names, dims reversed. */
    GgufBytes llamaTensors(Model model) {
        model.tensors().forEach((key, t) -> tensor(name(key), GGML_F32, reversed(t.shape()), f32Bytes(t)));
        return this;
    }

    /** Every tensor's stored bytes (little-endian row-major, ggml's layout too) as ggml type {@code ggmlType}. */
    GgufBytes llamaTensors(Model model, int ggmlType) {
        model.tensors().forEach((key, t) -> tensor(name(key), ggmlType, reversed(t.shape()),
                t.data().toArray(ValueLayout.JAVA_BYTE)));
        return this;
    }

    static String name(TensorKey key) {
        return String.format(LLAMA_NAMES.get(key.role()), key.layer());
    }

    static long[] reversed(long[] shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[shape.length - 1 - i];
        }
        return dims;
    }

    static byte[] f32Bytes(Tensor t) {
        ByteBuffer b = ByteBuffer.allocate((int) t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) {
            b.putFloat((float) t.get(i));
        }
        return b.array();
    }

    /** Data goes at its natural aligned offsets; only the table entry of {@link #lastOffset} lies. */
    byte[] build() {
        Out out = new Out();
        out.raw("GGUF".getBytes(StandardCharsets.US_ASCII)).i32(version).i64(tensors.size()).i64(kvCount);
        out.raw(kv.toByteArray());
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            offsets.add(offset);
            out.str(t.name()).i32(t.dims().length);
            for (long d : t.dims()) {
                out.i64(d);
            }
            out.i32(t.type()).i64(forcedOffset != null && i == tensors.size() - 1 ? forcedOffset : offset);
            offset = pad(offset + t.data().length);
        }
        padTo(out, pad(out.size()));
        int dataStart = out.size();
        for (int i = 0; i < tensors.size(); i++) {
            padTo(out, dataStart + offsets.get(i));
            out.raw(tensors.get(i).data());
        }
        padTo(out, dataStart + offset);
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        return Files.write(file, build());
    }

    private long pad(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static void padTo(Out out, long size) {
        while (out.size() < size) {
            out.u8(0);
        }
    }
}
