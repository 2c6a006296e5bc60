package io.grow4j.model.format;

/**
 * ggml's 256-element "k-quant" super-blocks, decoded as ggml-quants.c's dequantize_row_q{4,5,6}_K do, in float32 in
 * the same order. A super-block is 8 sub-blocks of 32 (Q4_K, Q5_K: 6-bit scale and min per sub-block) or 16 of 16
 * (Q6_K: int8 scale per sub-block), all scaled by fp16 super-block factors.
 * <pre>
 *   Q4_K  d dmin | scales[12] | qs[128]              x = d*sc * nibble - dmin*m
 *   Q5_K  d dmin | scales[12] | qh[32] | qs[128]     x = d*sc * (nibble + 16*high bit) - dmin*m
 *   Q6_K  ql[128] | qh[64] | scales[16] (int8) | d    x = d * sc * ((4 low bits | 2 high bits << 4) - 32)
 * </pre>
 */
final class GgmlKBlocks {
    private static final int SUPER = 256;

    private GgmlKBlocks() {
    }

    static void q4_k(byte[] b, float[] out, int at) {
        float d = GgmlBlocks.half(b, 0);
        float min = GgmlBlocks.half(b, 2);
        int scales = 4;
        int qs = 16;
        // Each 64 elements: the low nibbles of 32 bytes, then their high nibbles, each with its own scale and min.
        for (int j = 0, sub = 0; j < SUPER; j += 64, sub += 2, qs += 32) {
            float d1 = d * scale(b, scales, sub);
            float m1 = min * min(b, scales, sub);
            float d2 = d * scale(b, scales, sub + 1);
            float m2 = min * min(b, scales, sub + 1);
            for (int l = 0; l < 32; l++) {
                int q = b[qs + l] & 0xff;
                out[at + j + l] = d1 * (q & 0x0f) - m1;
                out[at + j + 32 + l] = d2 * (q >> 4) - m2;
            }
        }
    }

    static void q5_k(byte[] b, float[] out, int at) {
        float d = GgmlBlocks.half(b, 0);
        float min = GgmlBlocks.half(b, 2);
        int scales = 4;
        int qh = 16;
        int qs = 48;
        // As Q4_K, plus a fifth bit per element: bit 2*(j/64) of qh[l] for the low nibbles, the next for the high.
        for (int j = 0, sub = 0; j < SUPER; j += 64, sub += 2, qs += 32) {
            float d1 = d * scale(b, scales, sub);
            float m1 = min * min(b, scales, sub);
            float d2 = d * scale(b, scales, sub + 1);
            float m2 = min * min(b, scales, sub + 1);
            for (int l = 0; l < 32; l++) {
                int q = b[qs + l] & 0xff;
                int high = b[qh + l] & 0xff;
                out[at + j + l] = d1 * ((q & 0x0f) + ((high >> sub) & 1) * 16) - m1;
                out[at + j + 32 + l] = d2 * ((q >> 4) + ((high >> (sub + 1)) & 1) * 16) - m2;
            }
        }
    }

    static void q6_k(byte[] b, float[] out, int at) {
        int ql = 0;
        int qh = 128;
        int sc = 192;
        float d = GgmlBlocks.half(b, 208);
        // Each 128 elements use 64 ql bytes, 32 qh bytes and 8 scales; element l + 32k takes 2 bits of qh[l] at 2k.
        for (int n = 0; n < SUPER; n += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int high = b[qh + l] & 0xff;
                int low0 = b[ql + l] & 0xff;
                int low32 = b[ql + l + 32] & 0xff;
                int q1 = ((low0 & 0x0f) | ((high & 3) << 4)) - 32;
                int q2 = ((low32 & 0x0f) | (((high >> 2) & 3) << 4)) - 32;
                int q3 = ((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32;
                int q4 = ((low32 >> 4) | (((high >> 6) & 3) << 4)) - 32;
                out[at + n + l] = d * b[sc + is] * q1;
                out[at + n + l + 32] = d * b[sc + is + 2] * q2;
                out[at + n + l + 64] = d * b[sc + is + 4] * q3;
                out[at + n + l + 96] = d * b[sc + is + 6] * q4;
            }
        }
    }

    /**
     * The 6-bit scale of sub-block {@code j} (ggml's get_scale_min_k4): sub-blocks 0-3 use the low 6 bits of bytes
     * 0-3; 4-7 take 4 bits from bytes 8-11 and their top 2 bits from the spare bits of bytes 0-3.
     */
    private static int scale(byte[] b, int s, int j) {
        return j < 4 ? b[s + j] & 63 : (b[s + j + 4] & 0x0f) | ((b[s + j - 4] & 0xff) >> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code j}: bytes 4-7, or high nibbles of bytes 8-11 plus spare bits of 4-7. */
    private static int min(byte[] b, int s, int j) {
        return j < 4 ? b[s + j + 4] & 63 : ((b[s + j + 4] & 0xff) >> 4) | ((b[s + j] & 0xff) >> 6) << 4;
    }
}
