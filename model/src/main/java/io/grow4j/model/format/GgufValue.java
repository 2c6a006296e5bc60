package io.grow4j.model.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One GGUF metadata value with its exact on-disk type, so a value read and written back is the same bytes: a uint32
 * stays a uint32, a string keeps its bytes even where they are not valid UTF-8.
 */
public sealed interface GgufValue {
    GgufType type();

    /** Any of the eight integer types. The 64 bits hold the value; a UINT64 above Long.MAX_VALUE reads negative. */
    record Int(GgufType type, long value) implements GgufValue {
        public Int {
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
            if (type.bytes() < Long.BYTES) {
                long narrowed = narrow(type, value);
                if (narrowed != value) {
                    throw new IllegalArgumentException(value + " does not fit in " + type);
                }
            }
        }

        private static long narrow(GgufType type, long v) {
            return switch (type) {
                case UINT8 -> v & 0xffL;
                case INT8 -> (byte) v;
                case UINT16 -> v & 0xffffL;
                case INT16 -> (short) v;
                case UINT32 -> v & 0xffff_ffffL;
                case INT32 -> (int) v;
                default -> v;
            };
        }

        @Override
        public String toString() {
            return type == GgufType.UINT64 ? Long.toUnsignedString(value) : Long.toString(value);
        }
    }

    record Float32(float value) implements GgufValue {
        @Override
        public GgufType type() {
            return GgufType.FLOAT32;
        }

        /** Bitwise, so a NaN read from a file equals itself and -0 differs from 0. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Float32 f && Float.floatToRawIntBits(f.value) == Float.floatToRawIntBits(value);
        }

        @Override
        public int hashCode() {
            return Float.floatToRawIntBits(value);
        }
    }

    record Float64(double value) implements GgufValue {
        @Override
        public GgufType type() {
            return GgufType.FLOAT64;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Float64 f && Double.doubleToRawLongBits(f.value) == Double.doubleToRawLongBits(value);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(Double.doubleToRawLongBits(value));
        }
    }

    record Bool(boolean value) implements GgufValue {
        @Override
        public GgufType type() {
            return GgufType.BOOL;
        }
    }

    /** The bytes as stored; {@link #text()} decodes them (tokenizer vocabularies may hold partial UTF-8 sequences). */
    record Str(byte[] utf8) implements GgufValue {
        public Str {
            utf8 = utf8.clone();
        }

        public static Str of(String text) {
            return new Str(text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public byte[] utf8() {
            return utf8.clone();
        }

        int length() {
            return utf8.length;
        }

        public String text() {
            return new String(utf8, StandardCharsets.UTF_8);
        }

        @Override
        public GgufType type() {
            return GgufType.STRING;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Str s && Arrays.equals(s.utf8, utf8);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(utf8);
        }

        @Override
        public String toString() {
            String text = text();
            return Arrays.equals(text.getBytes(StandardCharsets.UTF_8), utf8) ? '"' + text + '"'
                    : "bytes " + HexFormat.of().formatHex(utf8);
        }
    }

    /** Elements all of {@code elementType}; nested arrays may differ in their own element types and counts. */
    record Array(GgufType elementType, List<GgufValue> elements) implements GgufValue {
        public Array {
            elements = List.copyOf(elements);
            for (GgufValue e : elements) {
                if (e.type() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " holds a " + e.type());
                }
            }
        }

        @Override
        public GgufType type() {
            return GgufType.ARRAY;
        }

        @Override
        public String toString() {
            return elementType + "[" + elements.size() + "]";
        }
    }
}
