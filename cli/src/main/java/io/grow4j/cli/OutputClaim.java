package io.grow4j.cli;

import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.OutputInUseException;
import io.grow4j.model.format.OutputLock;
import io.grow4j.model.format.SourceOverlap;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The output of a command that writes a model, taken before any work starts: every reason it cannot be written is
 * known up front (its directory is missing, it exists without --force, it overlaps the source through any link, another
 * run is writing it), the name stays locked against concurrent runs until the command ends, and the write replaces an
 * existing output only once the new one is complete ({@link AtomicOutput#replace}).
 */
final class OutputClaim implements AutoCloseable {
    private final Path out;
    private final OutputLock lock;
    private final List<String> problems;

    private OutputClaim(Path out, OutputLock lock, List<String> problems) {
        this.out = out;
        this.lock = lock;
        this.problems = List.copyOf(problems);
    }

    /**
     * Claims {@code out} for a command with a --force option.
     *
     * @param source the model read (null when there is none), which OUT must neither be, contain, nor lie inside
     * @param force  whether an existing OUT may be replaced
     */
    static OutputClaim replacing(Path source, Path out, boolean force) throws IOException {
        return claim(source, out, force, " (use --force to replace it)");
    }

    /** Claims {@code out} for a command that never replaces an existing output. */
    static OutputClaim newOnly(Path source, Path out) throws IOException {
        return claim(source, out, false, "; choose a new name or remove it first");
    }

    private static OutputClaim claim(Path source, Path out, boolean force, String existsHint) throws IOException {
        List<String> problems = new ArrayList<>();
        Path parent = out.toAbsolutePath().getParent();
        OutputLock lock = null;
        if (parent == null || !Files.isDirectory(parent)) {
            problems.add("output " + out + ": its directory " + parent + " does not exist; create it first");
        } else {
            try {
                lock = OutputLock.acquire(out);
            } catch (OutputInUseException e) {
                problems.add("output " + e.getMessage());
            } catch (FileSystemException e) {
                problems.add("output " + out + ": cannot create its lock file in " + parent + " ("
                        + Grow4j.describe(e) + ")");
            }
        }
        // Checked after locking: a run that held the name until now may just have created OUT.
        if (!force && Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
            problems.add("output " + out + " already exists" + existsHint);
        }
        if (source != null) {
            SourceOverlap.problem(source, out).ifPresent(problems::add);
        }
        return new OutputClaim(out, lock, problems);
    }

    /** Every reason the output cannot be written; the command must refuse (exit 2) unless this is empty. */
    List<String> problems() {
        return problems;
    }

    /** Writes the output through a temporary name, replacing an existing one only when complete. */
    void write(AtomicOutput.Writer writer) throws IOException {
        AtomicOutput.replace(out, writer);
    }

    /** {@link #write} for a writer that returns a result. */
    <T> T produce(AtomicOutput.Producer<T> writer) throws IOException {
        return AtomicOutput.replaceProducing(out, writer);
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }
}
