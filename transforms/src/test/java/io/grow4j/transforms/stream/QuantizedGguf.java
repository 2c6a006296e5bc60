package io.grow4j.transforms.stream;

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
import java.util.Map;
import java.util.Random;

/**
 * A llama GGUF file built byte by byte from the spec (as the model module's GgufBytes does), with the token embedding
 * stored as Q8_0 blocks and every other tensor as float32: the source streaming has to dequantize one tensor at a time.
 */
final class QuantizedGguf {
    private static final int UINT32 = 4, FLOAT32 = 6, STRING = 8;
    private static final int GGML_F32 = 0, GGML_Q8_0 = 8;
    private static final int ALIGNMENT = 32;
    private static final Map<Role, String> NAMES = Map.ofEntries(
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

    private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
    private int kvCount;

    private QuantizedGguf() {
    }

    /** {@code model} (F32, hidden a multiple of 32) with its token embedding replaced by random Q8_0 rows. */
    static Path write(Model model, Path file, long seed) throws IOException {
        QuantizedGguf g = new QuantizedGguf();
        TransformerConfig c = model.config();
        g.str("general.architecture", "llama");
        g.str("general.name", "quantized fixture");
        g.u32("llama.context_length", c.maxSeqLen());
        g.u32("llama.embedding_length", c.hidden());
        g.u32("llama.block_count", c.layers());
        g.u32("llama.feed_forward_length", c.mlp().size());
        g.u32("llama.attention.head_count", c.attention().queryHeads());
        g.u32("llama.attention.head_count_kv", c.attention().kvHeads());
        g.u32("llama.rope.dimension_count", c.attention().keySize());
        g.f32("llama.attention.layer_norm_rms_epsilon", (float) c.normEps());
        g.f32("llama.rope.freq_base", (float) ((Positions.Rope) c.positions()).theta());

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Random random = new Random(seed);
        for (Map.Entry<TensorKey, Tensor> e : model.tensors().entrySet()) {
            Tensor t = e.getValue();
            boolean quantized = e.getKey().role() == Role.TOKEN_EMBEDDING;
            byte[] bytes = quantized ? q8(t, random) : t.data().toArray(ValueLayout.JAVA_BYTE);
            long[] shape = t.shape();
            write(table, le(8, String.format(NAMES.get(e.getKey().role()), e.getKey().layer())
                    .getBytes(StandardCharsets.UTF_8).length));
            table.writeBytes(String.format(NAMES.get(e.getKey().role()), e.getKey().layer())
                    .getBytes(StandardCharsets.UTF_8));
            write(table, le(4, shape.length));
            for (int d = shape.length - 1; d >= 0; d--) {
                write(table, le(8, shape[d]));
            }
            write(table, le(4, quantized ? GGML_Q8_0 : GGML_F32));
            write(table, le(8, data.size()));
            data.writeBytes(bytes);
            pad(data);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        write(out, le(4, 3));
        write(out, le(8, model.tensors().size()));
        write(out, le(8, g.kvCount));
        out.writeBytes(g.kv.toByteArray());
        out.writeBytes(table.toByteArray());
        pad(out);
        out.writeBytes(data.toByteArray());
        return Files.write(file, out.toByteArray());
    }

    /** Rows of 32-element blocks: a power-of-two f16 scale, then 32 random int8 quants. */
    private static byte[] q8(Tensor t, Random random) {
        long blocks = t.size() / 32;
        ByteBuffer b = ByteBuffer.allocate((int) blocks * 34).order(ByteOrder.LITTLE_ENDIAN);
        for (long block = 0; block < blocks; block++) {
            b.putShort(Float.floatToFloat16((float) Math.scalb(1.0, -(int) (block % 5) - 3)));
            for (int j = 0; j < 32; j++) {
                b.put((byte) (random.nextInt(256) - 128));
            }
        }
        return b.array();
    }

    private void str(String key, String value) {
        key(key, STRING);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        write(kv, le(8, v.length));
        kv.writeBytes(v);
    }

    private void u32(String key, long value) {
        key(key, UINT32);
        write(kv, le(4, value));
    }

    private void f32(String key, float value) {
        key(key, FLOAT32);
        write(kv, le(4, Float.floatToRawIntBits(value)));
    }

    private void key(String key, int type) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        write(kv, le(8, k.length));
        kv.writeBytes(k);
        write(kv, le(4, type));
        kvCount++;
    }

    private static byte[] le(int bytes, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] out = new byte[bytes];
        System.arraycopy(b.array(), 0, out, 0, bytes);
        return out;
    }

    private static void write(ByteArrayOutputStream out, byte[] b) {
        out.writeBytes(b);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % ALIGNMENT != 0) {
            out.write(0);
        }
    }
}
