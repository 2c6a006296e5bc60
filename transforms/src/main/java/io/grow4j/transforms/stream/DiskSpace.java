package io.grow4j.transforms.stream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The free-space check made before a streamed growth writes its first byte, so a full disk ends the run at once with
 * a clear message instead of hours later in a half-written shard. Tests override {@link #usableBytes}.
 */
class DiskSpace {
    static final DiskSpace SYSTEM = new DiskSpace();
    /** config.json, the index and file-system overhead: small next to any shard, generous for tiny models. */
    static final long MARGIN = 16L << 20;

    /** Bytes this process may still write in {@code dir}'s file system. */
    long usableBytes(Path dir) throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /**
     * @throws IOException fewer than {@code bytes} + margin usable bytes where {@code out} will be written
     */
    final void require(Path out, long bytes) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(parent), null, "output directory does not exist");
        }
        long usable = usableBytes(parent);
        if (usable < bytes + MARGIN) {
            // the model's own size and the margin apart: "a 2 MB model needs 0.02 GiB" alone reads as a wrong size
            throw new IOException("not enough free disk space for " + out + ": the grown model's files take "
                    + gib(bytes) + ", plus a " + (MARGIN >> 20) + " MiB margin for its config, index and the file"
                    + " system's overhead, but " + parent + " has " + gib(usable) + " usable; nothing was written");
        }
    }

    static String gib(long bytes) {
        return String.format("%.2f GiB (%,d bytes)", bytes / (double) (1L << 30), bytes);
    }
}
