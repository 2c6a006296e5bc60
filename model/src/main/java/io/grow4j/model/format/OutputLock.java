package io.grow4j.model.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
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
    private static final SecureRandom RANDOM = new SecureRandom();
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
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                String holder = holder(file);
                channel.close();
                throw new OutputInUseException(out, file, holder);
            }
            if (stillNamed(file, channel)) {
                return new OutputLock(out, file, channel);
            }
            channel.close(); // the holder removed the file after we opened it: lock the new one
        }
        throw new OutputInUseException(out, file, "the lock file keeps being replaced");
    }

    /**
     * Whether the locked file is still the one the name refers to: a holder that finishes deletes the file, and a run
     * that opened it just before would otherwise lock an orphan. Checked by writing a token through the channel and
     * reading it back through the name; nobody else writes a locked file.
     */
    private static boolean stillNamed(Path file, FileChannel channel) throws IOException {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String token = "pid " + ProcessHandle.current().pid() + " " + HexFormat.of().formatHex(random) + "\n";
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(token.getBytes(StandardCharsets.UTF_8)), 0);
        try {
            return Files.readString(file).equals(token);
        } catch (IOException e) {
            return false;
        }
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

    /** Ends one hold; the last removes the lock file, then releases the lock (in that order: see stillNamed). */
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
