package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hand-built GGUF whose token embedding is Q8_0, attn_q Q4_0 and ffn_down Q6_K: read as float32 with the values
 * computed here from the bytes written, reported as dequantized, and written back as float32.
 */
class GgufQuantizedTest {
    /** hidden 32 = one Q8_0/Q4_0 block per row; MLP 256 = one Q6_K super-block per ffn_down row. */
    static final TransformerConfig CONFIG = new TransformerConfig(Architecture.LLAMA, 8, 32, 1, 16,
            new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(256, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.INTERLEAVED), true);

    private final GgufFormat format = new GgufFormat();
    private final Random random = new Random(7);

    @TempDir
    Path dir;

    @Test
    void quantizedTensorsAreReadAsTheirFloat32Values() throws IOException {
        Model model = RandomModels.create(CONFIG, DType.F32, 1);
        int vocab = 8;
        ByteBuffer q8 = ByteBuffer.allocate(vocab * 34).order(ByteOrder.LITTLE_ENDIAN);
        float[] embedding = new float[vocab * 32];
        for (int row = 0; row < vocab; row++) {
            float d = (float) Math.scalb(1.0, -row - 2); // a power of two: every q * d is exact
            q8.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < 32; j++) {
                int q = random.nextInt(256) - 128;
                q8.put((byte) q);
                embedding[row * 32 + j] = q * d;
            }
        }
        ByteBuffer q4 = ByteBuffer.allocate(32 * 18).order(ByteOrder.LITTLE_ENDIAN);
        float[] wq = new float[32 * 32];
        for (int row = 0; row < 32; row++) {
            q4.putShort(Float.floatToFloat16(0.5f));
            int[] nibbles = random.ints(32, 0, 16).toArray();
            for (int j = 0; j < 16; j++) {
                q4.put((byte) (nibbles[j] | nibbles[j + 16] << 4)); // element j low, element j + 16 high
            }
            for (int j = 0; j < 32; j++) {
                wq[row * 32 + j] = (nibbles[j] - 8) * 0.5f;
            }
        }
        Q6k down = q6k(32);

        GgufBytes file = new GgufBytes().llamaConfig(CONFIG);
        for (Map.Entry<TensorKey, Tensor> e : model.tensors().entrySet()) {
            TensorKey key = e.getKey();
            long[] dims = GgufBytes.reversed(e.getValue().shape());
            switch (key.role()) {
                case TOKEN_EMBEDDING -> file.tensor(GgufBytes.name(key), GgufBytes.GGML_Q8_0, dims, q8.array());
                case WQ -> file.tensor(GgufBytes.name(key), GgufBytes.GGML_Q4_0, dims, q4.array());
                case W_DOWN -> file.tensor(GgufBytes.name(key), GgufBytes.GGML_Q6_K, dims, down.bytes);
                default -> file.tensor(GgufBytes.name(key), GgufBytes.GGML_F32, dims, GgufBytes.f32Bytes(e.getValue()));
            }
        }
        Model read = format.read(file.write(dir.resolve("quantized.gguf")));

        assertValues(embedding, read.tensor(Role.TOKEN_EMBEDDING));
        assertValues(wq, read.tensor(Role.WQ, 0));
        assertValues(down.values, read.tensor(Role.W_DOWN, 0));
        Fixtures.assertSameTensor("wk", model.tensor(Role.WK, 0), read.tensor(Role.WK, 0));
        assertEquals(List.of("dequantized Q8_0 → F32: 1 tensor (token_embd.weight)",
                "dequantized Q4_0 → F32: 1 tensor (blk.0.attn_q.weight)",
                "dequantized Q6_K → F32: 1 tensor (blk.0.ffn_down.weight)"), format.readNotes(read));

        Path written = dir.resolve("float.gguf");
        format.write(read, written);
        Model reread = format.read(written);
        Fixtures.assertSameModel(read, reread);
        assertEquals(DType.F32, reread.dtype());
        assertEquals(List.of(), format.readNotes(reread));
        assertEquals(new GgufValue.Int(GgufType.UINT32, 0),
                GgufMetadata.of(reread).orElseThrow().get("general.file_type").orElseThrow(), "ALL_F32");
    }

    private record Q6k(byte[] bytes, float[] values) {
    }

    /**
     * {@code rows} Q6_K super-blocks (256 elements) from chosen 6-bit quants and int8 scales, packed as ggml-common.h
     * describes: ql holds the low 4 bits (elements l and l + 64 of each 128 share byte l, l + 32 and l + 96 byte
     * l + 32), qh the high 2 bits (element l + 32k at bits 2k of byte l), one scale per 16 elements, d last.
     */
    private Q6k q6k(int rows) {
        ByteBuffer out = ByteBuffer.allocate(rows * 210).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[rows * 256];
        float d = 0.0078125f;
        for (int row = 0; row < rows; row++) {
            int[] q = random.ints(256, 0, 64).toArray();
            byte[] scales = new byte[16];
            random.nextBytes(scales);
            byte[] ql = new byte[128];
            byte[] qh = new byte[64];
            for (int i = 0; i < 256; i++) {
                int half = i / 128;
                int k = (i % 128) / 32;
                int l = i % 32;
                ql[64 * half + l + 32 * (k % 2)] |= (byte) ((q[i] & 15) << (k < 2 ? 0 : 4));
                qh[32 * half + l] |= (byte) ((q[i] >> 4) << (2 * k));
                values[row * 256 + i] = d * scales[i / 16] * (q[i] - 32);
            }
            out.put(ql).put(qh).put(scales).putShort(Float.floatToFloat16(d));
        }
        return new Q6k(out.array(), values);
    }

    private static void assertValues(float[] expected, Tensor actual) {
        assertEquals(DType.F32, actual.dtype());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], (float) actual.get(i), "element " + i);
        }
    }
}
