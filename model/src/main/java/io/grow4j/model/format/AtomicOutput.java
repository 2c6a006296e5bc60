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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Writes an output under a temporary sibling name and renames it into place only when complete, so a crash or an
 * error never leaves a half-written checkpoint under the real name. The sibling lives in the same directory because a
 * rename is atomic only within one file system.
 *
 * <p>The temporary name, {@code .<name>.tmp-<pid>-<start>-<random>}, carries the writing process's id and start time:
 * a run killed with SIGKILL cannot clean up after itself, so every later write to the same output removes the
 * siblings whose process is gone (or whose pid now belongs to a process that started at another time).
 */
public final class AtomicOutput {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TMP = ".tmp-";

    /** Fills the temporary path it is given (a file, or a directory it has to create). */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path temporary) throws IOException;
    }

    private AtomicOutput() {
    }

    /** Writes a single file; an existing regular file at {@code out} is replaced atomically. */
    public static void writeFile(Path out, Writer writer) throws IOException {
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
    public static void writeDirectory(Path out, Writer writer) throws IOException {
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

    /**
     * Deletes the temporary siblings of {@code out} left by processes that no longer run, and returns them. Siblings
     * of live processes (a concurrent run) are kept.
     */
    public static List<Path> removeStale(Path out) throws IOException {
        Path target = out.toAbsolutePath();
        Path parent = target.getParent();
        List<Path> removed = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return removed;
        }
        String prefix = temporaryPrefix(target);
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, p -> p.getFileName().toString()
                .startsWith(prefix))) {
            for (Path sibling : siblings) {
                if (!ownerAlive(sibling.getFileName().toString().substring(prefix.length()))) {
                    deleteRecursively(sibling);
                    removed.add(sibling);
                }
            }
        }
        return removed;
    }

    /** The name every temporary sibling of {@code out} starts with. */
    public static String temporaryPrefix(Path out) {
        return "." + out.toAbsolutePath().getFileName() + TMP;
    }

    private static void write(Path target, Writer writer) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(parent), null, "output directory does not exist");
        }
        removeStale(target);
        Path temporary = parent.resolve(temporaryPrefix(target) + ownerTag() + "-" + randomSuffix());
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

    /** pid-startMillis of this process (start 0 where the platform does not tell it). */
    private static String ownerTag() {
        ProcessHandle self = ProcessHandle.current();
        return self.pid() + "-" + startMillis(self);
    }

    private static long startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Whether the process named by a "pid-start-random" suffix still runs; unparsable names count as alive. */
    private static boolean ownerAlive(String suffix) {
        String[] parts = suffix.split("-");
        if (parts.length < 3) {
            return true;
        }
        try {
            long pid = Long.parseLong(parts[0]);
            long start = Long.parseLong(parts[1]);
            Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            return process.isPresent() && (start == 0 || startMillis(process.get()) == 0
                    || startMillis(process.get()) == start);
        } catch (NumberFormatException e) {
            return true;
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
            // Leaves a hidden .tmp- sibling behind; the real output name is still untouched, and the next run
            // removes it as stale.
        }
    }
}
