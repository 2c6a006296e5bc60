package io.grow4j.model.format;

import io.grow4j.model.DType;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * ggml's tensor types as GGUF stores them (ggml.h, enum ggml_type). Every type stores whole blocks of
 * {@code blockSize} elements in {@code blockBytes} bytes along the innermost axis. Plain float types map to a
 * {@link DType} and are read as they are; the quantized ones grow4j knows are expanded to float32 by their
 * {@link GgmlBlocks decoder}; the rest are listed so an error can name them.
 */
enum GgmlType {
    F32(0, 1, 4, DType.F32, null),
    F16(1, 1, 2, DType.F16, null),
    Q4_0(2, 32, 18, null, GgmlBlocks::q4_0),
    Q4_1(3, 32, 20, null, GgmlBlocks::q4_1),
    Q5_0(6, 32, 22, null, GgmlBlocks::q5_0),
    Q5_1(7, 32, 24, null, GgmlBlocks::q5_1),
    Q8_0(8, 32, 34, null, GgmlBlocks::q8_0),
    Q8_1(9, 32, 36, null, null),
    Q2_K(10, 256, 84, null, null),
    Q3_K(11, 256, 110, null, null),
    Q4_K(12, 256, 144, null, GgmlKBlocks::q4_k),
    Q5_K(13, 256, 176, null, GgmlKBlocks::q5_k),
    Q6_K(14, 256, 210, null, GgmlKBlocks::q6_k),
    Q8_K(15, 256, 292, null, null),
    IQ2_XXS(16, 256, 66, null, null),
    IQ2_XS(17, 256, 74, null, null),
    IQ3_XXS(18, 256, 98, null, null),
    IQ1_S(19, 256, 50, null, null),
    IQ4_NL(20, 32, 18, null, null),
    IQ3_S(21, 256, 110, null, null),
    IQ2_S(22, 256, 82, null, null),
    IQ4_XS(23, 256, 136, null, null),
    I8(24, 1, 1, null, null),
    I16(25, 1, 2, null, null),
    I32(26, 1, 4, null, null),
    I64(27, 1, 8, null, null),
    F64(28, 1, 8, DType.F64, null),
    IQ1_M(29, 256, 56, null, null),
    BF16(30, 1, 2, DType.BF16, null),
    TQ1_0(34, 256, 54, null, null),
    TQ2_0(35, 256, 66, null, null),
    MXFP4(39, 32, 17, null, null);

    /** Expands one block at {@code block[0..blockBytes)} into {@code out[outAt..outAt + blockSize)}. */
    @FunctionalInterface
    interface BlockDecoder {
        void decode(byte[] block, float[] out, int outAt);
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final DType dtype;
    private final BlockDecoder decoder;

    GgmlType(int id, int blockSize, int blockBytes, DType dtype, BlockDecoder decoder) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dtype = dtype;
        this.decoder = decoder;
    }

    int id() {
        return id;
    }

    int blockSize() {
        return blockSize;
    }

    int blockBytes() {
        return blockBytes;
    }

    /** The dtype a plain float type is read as, or null for quantized and integer types. */
    DType dtype() {
        return dtype;
    }

    /** The decoder of a quantized type grow4j reads, or null. */
    BlockDecoder decoder() {
        return decoder;
    }

    boolean readable() {
        return dtype != null || decoder != null;
    }

    boolean quantized() {
        return blockSize > 1;
    }

    /** Bytes of {@code elements} elements, which must be whole blocks. */
    long bytesFor(long elements) {
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    static GgmlType byId(long id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst().orElse(null);
    }

    static GgmlType of(DType dtype) {
        return Arrays.stream(values()).filter(t -> t.dtype == dtype).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no ggml type for " + dtype));
    }

    static String readableTypes() {
        return Arrays.stream(values()).filter(GgmlType::readable).map(Enum::name).collect(Collectors.joining(", "));
    }
}
