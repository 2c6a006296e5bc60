package io.grow4j.model.format;

import io.grow4j.model.DType;
import java.util.Optional;

/**
 * Every element type of the safetensors format (huggingface/safetensors, {@code Dtype} in safetensors/src/tensor.rs,
 * 0.6: booleans, integers, IEEE and brain floats, the FP8 and OCP microscaling FP6/FP4 formats, complex64), with its
 * size in bits. Any of them parses, so a valid file is never "corrupt"; only the four that grow4j computes in
 * ({@link #modelDType()}) can hold a weight. Buffers such as GPT-2's BOOL or U8 causal mask are skipped by name.
 */
enum SafetensorsDtype {
    BOOL(8),
    F4(4),
    F6_E2M3(6),
    F6_E3M2(6),
    U8(8),
    I8(8),
    F8_E5M2(8),
    F8_E4M3(8),
    F8_E8M0(8),
    I16(16),
    U16(16),
    F16(16, DType.F16),
    BF16(16, DType.BF16),
    I32(32),
    U32(32),
    F32(32, DType.F32),
    C64(64),
    F64(64, DType.F64),
    I64(64),
    U64(64);

    private final int bits;
    private final DType model;

    SafetensorsDtype(int bits) {
        this(bits, null);
    }

    SafetensorsDtype(int bits, DType model) {
        this.bits = bits;
        this.model = model;
    }

    /** The dtype of a safetensors header's "dtype" string, or null when the format has no such type. */
    static SafetensorsDtype byName(String name) {
        for (SafetensorsDtype t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The grow4j dtype a weight of this type is held in; empty for types that cannot hold a weight. */
    Optional<DType> modelDType() {
        return Optional.ofNullable(model);
    }

    /**
     * Bytes of {@code elements} values: sub-byte types pack elements without padding, and a count whose bits do not
     * fill whole bytes has no size (-1), as for a count that overflows.
     */
    long byteCount(long elements) {
        try {
            long totalBits = Math.multiplyExact(elements, (long) bits);
            return totalBits % 8 == 0 ? totalBits / 8 : -1;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** The names of every type, for messages. */
    static String names() {
        return java.util.Arrays.toString(values());
    }
}
