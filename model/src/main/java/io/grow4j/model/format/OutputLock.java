package io.grow4j.model.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Exclusive claim on an output name while it is written: an OS file lock ({@link FileChannel#tryLock}) on the hidden
 * sibling {@code .<name>.lock} in the output's real parent directory, so two runs that would both rename their result
 * onto the same name cannot both succeed with the last rename silently winning. The loser fails at once with
 * {@link OutputInUseException}. The lock file is removed when the claim ends; one left by a killed process holds no
 * lock (the OS releases it with the process) and is taken over by the next run.
 *
 * <p>Within this process a claim is reentrant for the thread that holds it (a command claims its output early, and the
 * write it then makes claims it again); another thread is refused like another process.
 */
public final class OutputLock implements AutoCloseable {
    private static final Map<Path, OutputLock> HELD = new HashMap<>();
    /** A lock file replaced under us between open and lock (its holder just finished) is retried this often. */
    private static final int ATTEMPTS = 8;

    private final Path out;
    private final Path file;
    private final FileChannel channel;
    private final Thread owner;
    private int holds = 1;

    private OutputLock(Path out, Path file, FileChannel channel) {
        this.out = out;
        this.file = file;
        this.channel = channel;
        this.owner = Thread.currentThread();
    }

    /**
     * Claims {@code out} (which need not exist; its parent must).
     *
     * @throws OutputInUseException another run holds the claim
     * @throws NoSuchFileException  the parent directory of {@code out} does not exist
     * @throws IOException          the lock file cannot be created
     */
    public static OutputLock acquire(Path out) throws IOException {
        Path file = lockFile(out);
        synchronized (HELD) {
            OutputLock held = HELD.get(file);
            if (held != null) {
                if (held.owner != Thread.currentThread()) {
                    throw new OutputInUseException(out, file, "thread " + held.owner.getName() + " of this process");
                }
                held.holds++;
                return held;
            }
            OutputLock fresh = open(out, file);
            HELD.put(file, fresh);
            ExitCleanup.lockTaken(fresh);
            return fresh;
        }
    }

    /** The lock file that guards {@code out}: in the resolved parent, so every spelling of OUT meets the same one. */
    public static Path lockFile(Path out) throws IOException {
        Path target = SourceOverlap.resolve(out);
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(String.valueOf(out.toAbsolutePath().getParent()), null,
                    "output directory does not exist");
        }
        return parent.resolve("." + target.getFileName() + ".lock");
    }

    private static OutputLock open(Path out, Path file) throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Object before = key(file, true);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw new OutputInUseException(out, file, holder(file));
            }
            if (before != null && before.equals(key(file, false))) {
                writeHolder(channel);
                return new OutputLock(out, file, channel);
            }
            channel.close(); // the holder removed the file around our open: lock the one the name has now
        }
        throw new OutputInUseException(out, file, "the lock file keeps being replaced");
    }

    /**
     * The lock file's identity (device and inode), created if missing. Compared before opening and after locking, it
     * tells whether the locked file is still the one the name refers to: a holder that finishes deletes the file, and
     * a run that opened it just before would otherwise lock an orphan. Only stat is used: opening and closing another
     * descriptor of a locked file would release the lock (POSIX record locks belong to the process, not the channel).
     */
    private static Object key(Path file, boolean create) throws IOException {
        if (create) {
            try {
                Files.createFile(file);
            } catch (FileAlreadyExistsException ignored) {
                // another run's lock file: tryLock decides
            }
        }
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Writes "pid N" into the lock file so that a refused run can name the holder. */
    private static void writeHolder(FileChannel channel) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.UTF_8)), 0);
    }

    /** "pid N" of the run holding the lock, from its token; empty when unreadable. */
    private static String holder(Path file) {
        try {
            String[] words = Files.readString(file).strip().split(" ");
            return words.length >= 2 && words[0].equals("pid") ? "pid " + words[1] : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The output this lock guards. */
    public Path out() {
        return out;
    }

    /** Ends one hold; the last removes the lock file, then releases the lock (in that order: see key). */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (--holds > 0) {
                return;
            }
            HELD.remove(file);
            ExitCleanup.lockReleased(this);
            try {
                Files.deleteIfExists(file);
            } finally {
                channel.close(); // releases the lock
            }
        }
    }

    /** At exit (SIGTERM, SIGINT): the lock dies with the process, only the file needs removing. */
    void removeFile() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A leftover lock file holds no lock; the next run takes it over.
        }
    }
}
