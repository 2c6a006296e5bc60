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
import java.util.stream.Stream;

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

    /** A file or directory the command reads, which OUT must neither be, contain, nor lie inside. */
    record Input(String role, Path path) {
        static Input model(Path path) {
            return new Input("the model", path);
        }
    }

    /**
     * Claims {@code out} for a command with a --force option.
     *
     * @param force  whether an existing OUT may be replaced
     * @param inputs what the command reads (a null path is skipped: a demo without MODEL)
     */
    static OutputClaim replacing(Path out, boolean force, Input... inputs) throws IOException {
        return claim(out, force, " (use --force to replace it)", inputs);
    }

    /** Claims {@code out} for a command that never replaces an existing output. */
    static OutputClaim newOnly(Path out, Input... inputs) throws IOException {
        return claim(out, false, "; choose a new name or remove it first", inputs);
    }

    private static OutputClaim claim(Path out, boolean force, String existsHint, Input... inputs) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Input input : inputs) {
            if (input.path() != null) {
                SourceOverlap.problem(input.role(), input.path(), out).ifPresent(problems::add);
            }
        }
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
        return new OutputClaim(out, lock, problems);
    }

    /** Every reason the output cannot be written; the command must refuse (exit 2) unless this is empty. */
    List<String> problems() {
        return problems;
    }

    /**
     * Writes the output through a temporary name, replacing an existing one only when complete.
     *
     * @throws IOException the write failed; the temporary is gone and an existing output is kept, and the message
     *                     names the output ({@link #naming})
     */
    void write(AtomicOutput.Writer writer) throws IOException {
        try {
            AtomicOutput.replace(out, writer);
        } catch (IOException e) {
            throw naming(e);
        }
    }

    /** {@link #write} for a writer that returns a result. */
    <T> T produce(AtomicOutput.Producer<T> writer) throws IOException {
        try {
            return AtomicOutput.replaceProducing(out, writer);
        } catch (IOException e) {
            throw naming(e);
        }
    }

    /**
     * The failure with the output named. The operating system's own messages name no file (a full disk mid-write is
     * only "No space left on device"), which would leave the user guessing what failed and whether anything was left
     * behind; messages that already name the output or its temporary (which starts with OUT's name) are kept as
     * they are.
     */
    private IOException naming(IOException e) {
        Path absolute = out.toAbsolutePath();
        String message = Grow4j.describe(e);
        // whole paths, not the bare name: a short OUT such as "o" occurs in any message
        if (Stream.of(out, absolute, absolute.resolveSibling("." + absolute.getFileName()))
                .anyMatch(p -> message.contains(p.toString()))) {
            return e;
        }
        return new IOException("output " + out + ": writing failed: " + message + "; nothing was written"
                + (Files.exists(out, LinkOption.NOFOLLOW_LINKS) ? " (the existing output is kept)" : ""), e);
    }

    @Override
    public void close() throws IOException {
        if (lock != null) {
            lock.close();
        }
    }
}
