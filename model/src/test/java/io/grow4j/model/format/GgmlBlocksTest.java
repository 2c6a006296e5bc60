package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Each block decoder against a per-element reading of ggml's block layouts (ggml-common.h): where element i's bits
 * sit and which scale applies, written element by element rather than in the decoders' loop structure. Random
 * quant bytes; fp16 scales set to finite values.
 */
class GgmlBlocksTest {
    private final Random random = new Random(2024);

    @Test
    void q4_0() {
        byte[] b = block(18, 0.125f);
        check(GgmlType.Q4_0, b, i -> (float) (nibble(b, 2 + i % 16, i >= 16) - 8) * fp16(b, 0));
    }

    @Test
    void q4_1() {
        byte[] b = block(20, 0.5f);
        setFp16(b, 2, -3.25f);
        check(GgmlType.Q4_1, b, i -> (float) nibble(b, 4 + i % 16, i >= 16) * fp16(b, 0) + fp16(b, 2));
    }

    @Test
    void q5_0() {
        byte[] b = block(22, 0.0625f);
        check(GgmlType.Q5_0, b, i -> (float) ((nibble(b, 6 + i % 16, i >= 16) | bit(b, 2, i) << 4) - 16) * fp16(b, 0));
    }

    @Test
    void q5_1() {
        byte[] b = block(24, 0.25f);
        setFp16(b, 2, 1.5f);
        check(GgmlType.Q5_1, b, i -> (float) (nibble(b, 8 + i % 16, i >= 16) | bit(b, 4, i) << 4) * fp16(b, 0)
                + fp16(b, 2));
    }

    @Test
    void q8_0() {
        byte[] b = block(34, 0.03125f);
        check(GgmlType.Q8_0, b, i -> (float) b[2 + i] * fp16(b, 0));
    }

    /** Element i: 64-element chunk c = i / 64 uses sub-blocks 2c (low nibbles of qs[32c..]) and 2c + 1 (high). */
    @Test
    void q4_k() {
        byte[] b = block(144, 0.01f);
        setFp16(b, 2, 0.02f);
        check(GgmlType.Q4_K, b, i -> {
            int sub = i / 32;
            int q = nibble(b, 16 + 32 * (i / 64) + i % 32, sub % 2 == 1);
            return fp16(b, 0) * scale6(b, 4, sub) * q - fp16(b, 2) * min6(b, 4, sub);
        });
    }

    /** As Q4_K, plus the fifth bit: bit (i / 32) of qh[i % 32]. */
    @Test
    void q5_k() {
        byte[] b = block(176, 0.01f);
        setFp16(b, 2, 0.03f);
        check(GgmlType.Q5_K, b, i -> {
            int sub = i / 32;
            int q = nibble(b, 48 + 32 * (i / 64) + i % 32, sub % 2 == 1) + 16 * ((b[16 + i % 32] >> sub) & 1);
            return fp16(b, 0) * scale6(b, 4, sub) * q - fp16(b, 2) * min6(b, 4, sub);
        });
    }

    /**
     * Element i: half h = i / 128, quarter k = (i % 128) / 32, l = i % 32. Low 4 bits: ql[64h + l + 32(k % 2)], low
     * nibble for k < 2; high 2 bits: bits 2k of qh[32h + l]; scale: scales[8h + l / 16 + 2k]; d at byte 208.
     */
    @Test
    void q6_k() {
        byte[] b = block(210, 0);
        setFp16(b, 208, 0.004f);
        check(GgmlType.Q6_K, b, i -> {
            int h = i / 128;
            int k = (i % 128) / 32;
            int l = i % 32;
            int low = nibble(b, 64 * h + l + 32 * (k % 2), k >= 2);
            int high = ((b[128 + 32 * h + l] & 0xff) >> (2 * k)) & 3;
            return fp16(b, 208) * b[192 + 8 * h + l / 16 + 2 * k] * ((low | high << 4) - 32);
        });
    }

    private byte[] block(int bytes, float d) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        setFp16(b, 0, d);
        return b;
    }

    private static void check(GgmlType type, byte[] block, IntToDoubleFunction expected) {
        float[] out = new float[type.blockSize() + 3];
        type.decoder().decode(block, out, 3);
        for (int i = 0; i < type.blockSize(); i++) {
            assertEquals((float) expected.applyAsDouble(i), out[3 + i], type + " element " + i);
        }
    }

    private static int nibble(byte[] b, int at, boolean high) {
        return high ? (b[at] & 0xff) >> 4 : b[at] & 0x0f;
    }

    /** Bit i of the little-endian uint32 at {@code at}. */
    private static int bit(byte[] b, int at, int i) {
        return ((b[at + i / 8] & 0xff) >> (i % 8)) & 1;
    }

    /** 6-bit scales of k-quants: sub-blocks 0-3 in bytes 0-3, 4-7 split over bytes 8-11 and the top bits of 0-3. */
    private static int scale6(byte[] b, int at, int sub) {
        return sub < 4 ? b[at + sub] & 63 : (b[at + 8 + sub - 4] & 0x0f) | ((b[at + sub - 4] & 0xff) >> 6) << 4;
    }

    /** 6-bit mins: sub-blocks 0-3 in bytes 4-7, 4-7 in the high nibbles of bytes 8-11 and the top bits of 4-7. */
    private static int min6(byte[] b, int at, int sub) {
        return sub < 4 ? b[at + 4 + sub] & 63
                : ((b[at + 8 + sub - 4] & 0xff) >> 4) | ((b[at + 4 + sub - 4] & 0xff) >> 6) << 4;
    }

    private static float fp16(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xff) | (b[at + 1] & 0xff) << 8));
    }

    private static void setFp16(byte[] b, int at, float v) {
        short h = Float.floatToFloat16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }
}
