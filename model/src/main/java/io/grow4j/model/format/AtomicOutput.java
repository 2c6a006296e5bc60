package io.grow4j.model.format;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes an output under a temporary sibling name ({@code .<name>.tmp-<random>}) and renames it into place only when
 * complete, so a crash or an error never leaves a half-written checkpoint under the real name. The sibling lives in
 * the same directory because a rename is atomic only within one file system.
 */
final class AtomicOutput {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Fills the temporary path it is given (a file, or a directory it has to create). */
    @FunctionalInterface
    interface Writer {
        void writeTo(Path temporary) throws IOException;
    }

    private AtomicOutput() {
    }

    /** Writes a single file; an existing regular file at {@code out} is replaced atomically. */
    static void writeFile(Path out, Writer writer) throws IOException {
        Path target = out.toAbsolutePath();
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(out.toString(), null, "is a directory; refusing to replace it");
        }
        write(target, writer);
    }

    /**
     * Writes a directory (the writer creates it). An existing empty directory is replaced; a non-empty one or a file
     * is refused before anything is written, because replacing it could not be atomic.
     */
    static void writeDirectory(Path out, Writer writer) throws IOException {
        Path target = out.toAbsolutePath();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(out.toString(), null, "exists and is not a directory");
            }
            if (!isEmpty(target)) {
                throw new FileAlreadyExistsException(out.toString(), null,
                        "directory exists and is not empty; refusing to replace it");
            }
        }
        write(target, writer);
    }

    private static void write(Path target, Writer writer) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(parent), null, "output directory does not exist");
        }
        Path temporary = parent.resolve("." + target.getFileName() + ".tmp-" + randomSuffix());
        boolean done = false;
        try {
            writer.writeTo(temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                deleteRecursively(temporary);
            }
        }
    }

    private static String randomSuffix() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    /** Best effort: the write already failed, and that failure is the one to report. */
    private static void deleteRecursively(Path path) {
        try {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                    for (Path entry : entries) {
                        deleteRecursively(entry);
                    }
                }
            }
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Leaves a hidden .tmp- sibling behind; the real output name is still untouched.
        }
    }
}
