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
 * rename is atomic only within one file system. While it is written the output name is claimed with an
 * {@link OutputLock}, so a concurrent run writing the same name fails instead of silently losing the race.
 *
 * <p>The temporary name, {@code .<name>.tmp-<pid>-<start>-<random>}, carries the writing process's id and start time.
 * On SIGTERM or SIGINT a shutdown hook removes it ({@link ExitCleanup}); a run killed with SIGKILL cannot clean up
 * after itself, so every later write to the same output removes the siblings whose process is gone (or whose pid now
 * belongs to a process that started at another time).
 *
 * <p>{@link #replace} swaps an existing output (file or directory) for the new one only once the new one is complete:
 * the old one is renamed to {@code .<name>.old-<pid>-<start>-<random>}, the new one renamed into place, then the old
 * one deleted. A crash between the two renames leaves the old output under that hidden name, and the next write to the
 * same output (or this process's shutdown hook) puts it back; a file replacing a file is one atomic rename.
 */
public final class AtomicOutput {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TMP = ".tmp-";
    private static final String OLD = ".old-";

    /** Fills the temporary path it is given (a file, or a directory it has to create). */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path temporary) throws IOException;
    }

    /** A {@link Writer} that also returns what it wrote (a summary, counts). */
    @FunctionalInterface
    public interface Producer<T> {
        T writeTo(Path temporary) throws IOException;
    }

    private AtomicOutput() {
    }

    /** Writes a single file; an existing regular file at {@code out} is replaced atomically. */
    public static void writeFile(Path out, Writer writer) throws IOException {
        Path target = out.toAbsolutePath();
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(out.toString(), null, "is a directory; refusing to replace it");
        }
        write(target, false, asProducer(writer));
    }

    /**
     * Writes a directory (the writer creates it). An existing empty directory is replaced; a non-empty one or a file
     * is refused before anything is written ({@link #replace} replaces them).
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
        write(target, false, asProducer(writer));
    }

    /**
     * Writes {@code out} (a file or a directory, whatever the writer makes) and only then replaces what exists there,
     * file or directory; until the new output is complete the old one stays untouched under its name.
     */
    public static void replace(Path out, Writer writer) throws IOException {
        write(out.toAbsolutePath(), true, asProducer(writer));
    }

    /** {@link #replace(Path, Writer)} for a writer that returns a result. */
    public static <T> T replaceProducing(Path out, Producer<T> producer) throws IOException {
        return write(out.toAbsolutePath(), true, producer);
    }

    /**
     * Deletes the temporary siblings of {@code out} left by processes that no longer run, and returns them. Siblings
     * of live processes (a concurrent run) are kept. An old output such a process had moved aside is put back when
     * nothing took its name, else deleted.
     */
    public static List<Path> removeStale(Path out) throws IOException {
        Path target = out.toAbsolutePath();
        Path parent = target.getParent();
        List<Path> removed = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) {
            return removed;
        }
        String temporary = temporaryPrefix(target);
        String old = "." + target.getFileName() + OLD;
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, p -> p.getFileName().toString()
                .startsWith(temporary) || p.getFileName().toString().startsWith(old))) {
            for (Path sibling : siblings) {
                String name = sibling.getFileName().toString();
                boolean isOld = name.startsWith(old);
                if (ownerAlive(name.substring(isOld ? old.length() : temporary.length()))) {
                    continue;
                }
                if (isOld && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(sibling, target, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    deleteRecursively(sibling);
                }
                removed.add(sibling);
            }
        }
        return removed;
    }

    /** The name every temporary sibling of {@code out} starts with. */
    public static String temporaryPrefix(Path out) {
        return "." + out.toAbsolutePath().getFileName() + TMP;
    }

    private static <T> T write(Path target, boolean replace, Producer<T> writer) throws IOException {
        if (ExitCleanup.isTemporary(target)) {
            return writer.writeTo(target); // an enclosing write already made this the temporary name and holds OUT
        }
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(parent), null, "output directory does not exist");
        }
        try (OutputLock ignored = OutputLock.acquire(target)) {
            removeStale(target);
            Path temporary = parent.resolve(temporaryPrefix(target) + ownerTag() + "-" + randomSuffix());
            ExitCleanup.temporaryStarted(temporary);
            boolean done = false;
            try {
                T result = writer.writeTo(temporary);
                if (replace) {
                    swapIn(temporary, target);
                } else {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
                done = true;
                return result;
            } finally {
                ExitCleanup.temporaryEnded(temporary);
                if (!done) {
                    deleteRecursively(temporary);
                }
            }
        }
    }

    /**
     * Puts the complete {@code temporary} in place of whatever {@code target} is. A file over a file (or over a
     * link) is one atomic rename; anything else is moved aside first, because rename cannot replace a non-empty
     * directory, and deleted only after the new output has its name.
     */
    private static void swapIn(Path temporary, Path target) throws IOException {
        boolean directoryInvolved = Files.isDirectory(temporary, LinkOption.NOFOLLOW_LINKS)
                || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS) || !directoryInvolved) {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Path old = target.resolveSibling("." + target.getFileName() + OLD + ownerTag() + "-" + randomSuffix());
        ExitCleanup.movedAside(old, target);
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            ExitCleanup.asideEnded(old);
            throw e;
        }
        ExitCleanup.asideEnded(old);
        deleteRecursively(old);
    }

    /**
     * Removes a temporary that is possibly still being written (at exit): renamed first, so a writer that goes on
     * creating files under the old name fails instead of recreating it, then deleted. The new name keeps the owner
     * tag, so what cannot be deleted now is stale for the next run.
     */
    static void discard(Path temporary) {
        Path doomed = temporary.resolveSibling(temporary.getFileName() + "-discarded");
        try {
            Files.move(temporary, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            doomed = temporary; // not there (not created yet, or already gone): delete what there is
        }
        deleteRecursively(doomed);
    }

    private static <T> Producer<T> asProducer(Writer writer) {
        return temporary -> {
            writer.writeTo(temporary);
            return null;
        };
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
