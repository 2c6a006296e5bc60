package io.grow4j.model.format;

/**
 * The type tags of GGUF metadata values, with their on-disk ids. Integers are little-endian; a string is a uint64
 * byte length followed by UTF-8 bytes; an array is an element type, a uint64 count and the elements (arrays may nest).
 */
public enum GgufType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, -1),
    ARRAY(9, -1),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int bytes;

    GgufType(int id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    public int id() {
        return id;
    }

    /** Encoded size of one value, or -1 for strings and arrays, whose size is in their own length field. */
    public int bytes() {
        return bytes;
    }

    /** The smallest encoding of one value; an array's count is checked against the bytes left with it. */
    int minimumBytes() {
        return bytes > 0 ? bytes : this == STRING ? Long.BYTES : Integer.BYTES + Long.BYTES;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with on-disk id {@code id}, or null. */
    static GgufType byId(long id) {
        for (GgufType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
