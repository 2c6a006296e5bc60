package io.grow4j.model.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be read as what it claims to be: truncated, corrupt, inconsistent with its own header or
 * config. The message always names the file, and where it applies the byte offset and the tensor, so a user can tell
 * a half-copied download from a wrong format.
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CheckpointException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    public CheckpointException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /**
     * The file ends at {@code fileSize}, inside {@code what}, the first part that does not fit; it spans bytes
     * [begin, end). Reports where the data stops and how many bytes that part still lacks.
     */
    public static CheckpointException truncated(Path file, long fileSize, String what, long begin, long end) {
        return truncated(file, fileSize, what, begin, end, "");
    }

    /** As {@link #truncated(Path, long, String, long, long)}, followed by {@code why} (what implies the size). */
    public static CheckpointException truncated(Path file, long fileSize, String what, long begin, long end,
            String why) {
        return new CheckpointException(file, "truncated at offset " + fileSize + " while reading " + what
                + ": need " + (end - fileSize) + " more bytes (" + what + " spans bytes " + begin + ".." + end + ")"
                + (why.isEmpty() ? "" : "; " + why));
    }

    /** The file this problem was found in. */
    public Path file() {
        return file;
    }
}
