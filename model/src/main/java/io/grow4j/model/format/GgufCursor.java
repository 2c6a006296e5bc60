package io.grow4j.model.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads little-endian GGUF fields from a mapped file at a long position, checking every read against the end of the
 * file first: a truncated file fails with the offset where it ends and the field it cut, never with an
 * IndexOutOfBoundsException.
 */
final class GgufCursor {
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment file;
    private final Path path;
    private long position;

    GgufCursor(MemorySegment file, Path path) {
        this.file = file;
        this.path = path;
    }

    Path path() {
        return path;
    }

    long position() {
        return position;
    }

    long size() {
        return file.byteSize();
    }

    /** Fails unless {@code bytes} more bytes are there for {@code what}. */
    void require(long bytes, String what) throws CheckpointException {
        if (bytes < 0 || bytes > file.byteSize() - position) {
            long end = bytes < 0 ? Long.MAX_VALUE : position + bytes;
            throw CheckpointException.truncated(path, file.byteSize(), what, position, end);
        }
    }

    byte int8(String what) throws CheckpointException {
        require(1, what);
        return file.get(ValueLayout.JAVA_BYTE, position++);
    }

    short int16(String what) throws CheckpointException {
        require(2, what);
        short v = file.get(LE_SHORT, position);
        position += 2;
        return v;
    }

    int int32(String what) throws CheckpointException {
        require(4, what);
        int v = file.get(LE_INT, position);
        position += 4;
        return v;
    }

    long uint32(String what) throws CheckpointException {
        return Integer.toUnsignedLong(int32(what));
    }

    long int64(String what) throws CheckpointException {
        require(8, what);
        long v = file.get(LE_LONG, position);
        position += 8;
        return v;
    }

    /**
     * A uint64 count or length that must fit in a long and, at {@code minimumBytes} per item, in what is left of the
     * file: checked before anything is allocated for it, so a corrupt count fails here instead of as a huge allocation.
     */
    long count(String what, long minimumBytes) throws CheckpointException {
        long at = position;
        long n = int64(what);
        long left = file.byteSize() - position;
        if (n < 0 || n > left / minimumBytes) {
            throw new CheckpointException(path, what + " " + Long.toUnsignedString(n) + " at offset " + at
                    + " needs at least " + minimumBytes + " bytes per item, but " + left + " bytes are left in the"
                    + " file: the file is truncated or the count is corrupt");
        }
        return n;
    }

    /** A uint64 count of items read one by one, so a short file fails at the item it cuts; only the sign is checked. */
    long itemCount(String what) throws CheckpointException {
        long at = position;
        long n = int64(what);
        if (n < 0) {
            throw new CheckpointException(path, "corrupt " + what + " " + Long.toUnsignedString(n) + " at offset " + at);
        }
        return n;
    }

    byte[] bytes(long length, String what) throws CheckpointException {
        require(length, what);
        if (length > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(path, what + " at offset " + position + " is " + length
                    + " bytes long, more than a Java array holds");
        }
        byte[] out = new byte[(int) length];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, position, out, 0, out.length);
        position += length;
        return out;
    }

    /** A GGUF string: uint64 byte length, then the bytes. */
    byte[] string(String what) throws CheckpointException {
        long length = itemCount(what + " length");
        return bytes(length, what);
    }

    void skipTo(long offset) {
        position = offset;
    }
}
