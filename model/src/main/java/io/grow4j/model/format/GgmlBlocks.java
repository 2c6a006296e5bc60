package io.grow4j.model.format;

/**
 * ggml's 32-element quantization blocks, decoded as ggml-quants.c's dequantize_row_* do, in float32 arithmetic in
 * the same order, so the values are the ones llama.cpp computes. Layouts (little-endian, fp16 scales):
 * <pre>
 *   Q4_0  d | qs[16]            x = (nibble - 8) * d
 *   Q4_1  d m | qs[16]          x = nibble * d + m
 *   Q5_0  d | qh[4] qs[16]      x = (nibble | high bit << 4) - 16) * d
 *   Q5_1  d m | qh[4] qs[16]    x = (nibble | high bit << 4) * d + m
 *   Q8_0  d | qs[32] (int8)     x = q * d
 * </pre>
 * In the 4- and 5-bit types byte j holds element j in its low nibble and element j + 16 in its high nibble.
 */
final class GgmlBlocks {
    private static final int HALF = 16;

    private GgmlBlocks() {
    }

    static void q4_0(byte[] b, float[] out, int at) {
        float d = half(b, 0);
        for (int j = 0; j < HALF; j++) {
            int q = b[2 + j] & 0xff;
            out[at + j] = ((q & 0x0f) - 8) * d;
            out[at + j + HALF] = ((q >> 4) - 8) * d;
        }
    }

    static void q4_1(byte[] b, float[] out, int at) {
        float d = half(b, 0);
        float m = half(b, 2);
        for (int j = 0; j < HALF; j++) {
            int q = b[4 + j] & 0xff;
            out[at + j] = (q & 0x0f) * d + m;
            out[at + j + HALF] = (q >> 4) * d + m;
        }
    }

    static void q5_0(byte[] b, float[] out, int at) {
        float d = half(b, 0);
        int qh = int32(b, 2);
        for (int j = 0; j < HALF; j++) {
            int q = b[6 + j] & 0xff;
            out[at + j] = (((q & 0x0f) | highBit(qh, j)) - 16) * d;
            out[at + j + HALF] = (((q >> 4) | highBit(qh, j + HALF)) - 16) * d;
        }
    }

    static void q5_1(byte[] b, float[] out, int at) {
        float d = half(b, 0);
        float m = half(b, 2);
        int qh = int32(b, 4);
        for (int j = 0; j < HALF; j++) {
            int q = b[8 + j] & 0xff;
            out[at + j] = ((q & 0x0f) | highBit(qh, j)) * d + m;
            out[at + j + HALF] = ((q >> 4) | highBit(qh, j + HALF)) * d + m;
        }
    }

    static void q8_0(byte[] b, float[] out, int at) {
        float d = half(b, 0);
        for (int j = 0; j < 2 * HALF; j++) {
            out[at + j] = b[2 + j] * d;
        }
    }

    /** Bit {@code element} of the 32 high bits, as the fifth bit of that element's quant. */
    private static int highBit(int qh, int element) {
        return ((qh >>> element) & 1) << 4;
    }

    static float half(byte[] b, int at) {
        return Float.float16ToFloat((short) ((b[at] & 0xff) | (b[at + 1] << 8)));
    }

    static int int32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
