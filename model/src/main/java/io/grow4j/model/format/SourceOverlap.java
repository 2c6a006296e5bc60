package io.grow4j.model.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Whether writing an output would touch the model it is made from: OUT is, contains, or lies inside the source or any
 * file of it (the shards of a directory, a file a directory links to). Paths are compared after resolving every
 * symbolic link ({@code plink/hf} with {@code plink -> real} is {@code real/hf}), and files and directories are also
 * compared by file key (device and inode on Unix), so hard links and bind mounts of the source are caught too.
 *
 * <p>Why both: a lexical comparison let {@code grow real/hf --out plink/hf --force} delete the source through the link.
 */
public final class SourceOverlap {
    /** Deep enough for any checkpoint layout (HF caches nest snapshots two levels down); bounds a hostile tree. */
    private static final int MAX_DEPTH = 8;

    private SourceOverlap() {
    }

    /**
     * The reason {@code out} may not be written while {@code source} is read, or empty when they are apart.
     *
     * @param source a model file or directory (none when it does not exist: reading it reports that)
     * @param out    the output path, which may not exist yet (nor its parent)
     * @throws IOException the source cannot be listed or resolved
     */
    public static Optional<String> problem(Path source, Path out) throws IOException {
        return problem("the model", source, out);
    }

    /**
     * {@link #problem(Path, Path)} for any input a command reads ({@code role}: "the plan", "the device profile"),
     * which the output must not replace either.
     */
    public static Optional<String> problem(String role, Path source, Path out) throws IOException {
        if (!Files.exists(source)) {
            return Optional.empty();
        }
        List<Entry> outAndAncestors = new ArrayList<>();
        for (Path p = resolve(out); p != null; p = p.getParent()) {
            outAndAncestors.add(Entry.of(p));
        }
        Entry target = outAndAncestors.getFirst();
        Path sourceReal = source.toRealPath();
        for (Path ancestor = sourceReal; ancestor != null; ancestor = ancestor.getParent()) {
            if (target.sameAs(Entry.of(ancestor))) {
                return Optional.of(describe(out, role, source, ancestor.equals(sourceReal) ? "is" : "contains", ancestor));
            }
        }
        for (Entry part : parts(sourceReal)) {
            for (Entry a : outAndAncestors) {
                if (a.sameAs(part)) {
                    return Optional.of(describe(out, role, source, a == target ? "is" : "is inside", part.path()));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * {@code path} with every symbolic link resolved: the real path of its longest existing prefix followed by the
     * names that do not exist yet.
     */
    public static Path resolve(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        for (Path existing = absolute; existing != null; existing = existing.getParent()) {
            if (Files.exists(existing)) {
                return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
            }
        }
        return absolute.normalize();
    }

    private static String describe(Path out, String role, Path source, String relation, Path what) {
        return "output " + out + " overlaps " + role + " " + source + ": it " + relation + " " + what
                + "; writing it would destroy what is being read: write it elsewhere";
    }

    /**
     * The source and every file and directory under it, with links replaced by their targets. What cannot be listed
     * is skipped: it cannot be read as part of the model either, and refusing the whole command for it would be wrong.
     */
    private static List<Entry> parts(Path sourceReal) throws IOException {
        List<Entry> parts = new ArrayList<>();
        Files.walkFileTree(sourceReal, Set.of(), MAX_DEPTH, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                parts.add(new Entry(dir, attrs.fileKey()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                parts.add(attrs.isSymbolicLink() ? Entry.ofTarget(file) : new Entry(file, attrs.fileKey()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                parts.add(Entry.of(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return parts;
    }

    /** A path and, where it exists and the platform has one, its file key. */
    private record Entry(Path path, Object key) {
        static Entry of(Path path) {
            try {
                return new Entry(path, Files.readAttributes(path, BasicFileAttributes.class).fileKey());
            } catch (IOException e) {
                return new Entry(path, null); // does not exist (yet): only its path can be compared
            }
        }

        /** A symbolic link's target (itself when dangling). */
        static Entry ofTarget(Path link) {
            try {
                return of(link.toRealPath());
            } catch (IOException e) {
                return of(link);
            }
        }

        boolean sameAs(Entry other) {
            return path.equals(other.path) || key != null && Objects.equals(key, other.key);
        }
    }
}
