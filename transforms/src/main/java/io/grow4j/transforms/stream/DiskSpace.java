package io.grow4j.transforms.stream;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** The free-space check made before a streamed growth writes its first byte. */
final class DiskSpace {
    /** config.json, the index and file-system overhead: small next to any shard, generous for tiny models. */
    static final long MARGIN = 16L << 20;

    private DiskSpace() {
    }

    /**
     * @throws IOException fewer than {@code bytes} + margin usable bytes where {@code out} will be written
     */
    static void require(Path out, long bytes) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        FileStore store = Files.getFileStore(parent);
        long usable = store.getUsableSpace();
        if (usable < bytes + MARGIN) {
            throw new IOException("not enough free disk space for " + out + ": the grown model needs "
                    + gib(bytes + MARGIN) + " but " + parent + " (" + store + ") has " + gib(usable)
                    + " usable; nothing was written");
        }
    }

    static String gib(long bytes) {
        return String.format("%.2f GiB (%,d bytes)", bytes / (double) (1L << 30), bytes);
    }
}
