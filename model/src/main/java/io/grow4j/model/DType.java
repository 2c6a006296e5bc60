package io.grow4j.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Element types a tensor can be stored in. Every stored value is read and written through double. */
public enum DType {
    F64(8, "F64"),
    F32(4, "F32"),
    F16(2, "F16"),
    BF16(2, "BF16");

    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;
    private final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    public int bytes() {
        return bytes;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype '" + name + "' (supported: F64, F32, F16, BF16)");
    }

    /**
     * The narrowest dtype that holds every value of both without rounding: F64 over anything, F32 over the half
     * types, and F32 for F16 with BF16 (neither holds the other: F16 has more mantissa, BF16 more exponent).
     */
    public static DType holding(DType a, DType b) {
        if (a == b) {
            return a;
        }
        return a == F64 || b == F64 ? F64 : F32;
    }

    /** {@code value} as storing it in this dtype and reading it back gives it (what {@link Tensor#set} keeps). */
    public double round(double value) {
        return switch (this) {
            case F64 -> value;
            case F32 -> (float) value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16((float) value));
            case BF16 -> Float.intBitsToFloat((toBf16((float) value) & 0xffff) << 16);
        };
    }

    double get(MemorySegment s, long index) {
        long at = index * bytes;
        return switch (this) {
            case F64 -> s.get(LE_DOUBLE, at);
            case F32 -> s.get(LE_FLOAT, at);
            case F16 -> Float.float16ToFloat(s.get(LE_SHORT, at));
            case BF16 -> Float.intBitsToFloat((s.get(LE_SHORT, at) & 0xffff) << 16);
        };
    }

    void set(MemorySegment s, long index, double value) {
        long at = index * bytes;
        switch (this) {
            case F64 -> s.set(LE_DOUBLE, at, value);
            case F32 -> s.set(LE_FLOAT, at, (float) value);
            case F16 -> s.set(LE_SHORT, at, Float.floatToFloat16((float) value));
            case BF16 -> s.set(LE_SHORT, at, toBf16((float) value));
        }
    }

    /** Round to nearest even, as PyTorch does when casting to bfloat16. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
