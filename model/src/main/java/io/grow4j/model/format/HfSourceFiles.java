package io.grow4j.model.format;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The files of a Hugging Face model directory that are no weights (tokenizer.json, tokenizer.model,
 * tokenizer_config.json, special_tokens_map.json, vocab and merges files, generation_config.json, chat templates,
 * README, licence, and whatever else the directory holds, in subdirectories too), which a directory written from a
 * model read there gets as copies: growth changes none of them. config.json is excluded (it is rewritten) and so are
 * weights in any format: grown tensors replace them, and a stale copy would describe the source model.
 *
 * <p>Files are copied, never linked, so the output shares nothing with the source; a symbolic link in the source (a
 * hub cache snapshot links every file to a blob) is copied as the file it points to.
 *
 * @param directory  the source directory
 * @param files      paths relative to {@code directory}, '/'-separated, in walk order
 * @param unreadable files and directories that cannot be read (relative paths): a read of the model works, a write
 *                   refuses before any work
 */
record HfSourceFiles(Path directory, List<String> files, List<String> unreadable) {
    /**
     * Weights in any format transformers, llama.cpp or ONNX write (and version-control or download caches, which
     * describe the source's weights): safetensors files and their index, PyTorch, TensorFlow, Flax, GGUF, ONNX.
     */
    private static final Pattern WEIGHTS = Pattern.compile(
            ".*\\.safetensors|.*\\.safetensors\\.index\\.json|pytorch_model.*\\.bin|pytorch_model.*\\.bin\\.index\\.json"
                    + "|tf_model.*\\.h5|tf_model.*\\.h5\\.index\\.json|flax_model.*\\.msgpack"
                    + "|flax_model.*\\.msgpack\\.index\\.json|.*\\.gguf|.*\\.onnx|.*\\.onnx_data|.*\\.ckpt|.*\\.pt|.*\\.pth");
    /** Top-level directories that are no part of the model: git's store and huggingface_hub's download records. */
    private static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", ".cache");

    HfSourceFiles {
        files = List.copyOf(files);
        unreadable = List.copyOf(unreadable);
    }

    /**
     * Every non-weight regular file under {@code dir} except config.json. Links are followed (a linked subdirectory's
     * files are carried too); a link back to a directory already visited is not walked twice.
     */
    static HfSourceFiles scan(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        Files.walkFileTree(dir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                        return d.getParent() != null && d.getParent().equals(dir)
                                && SKIPPED_DIRECTORIES.contains(d.getFileName().toString())
                                ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        String relative = relative(dir, file);
                        if (attrs.isRegularFile() && carried(relative)) {
                            (Files.isReadable(file) ? found : unreadable).add(relative);
                        } else if (attrs.isSymbolicLink()) {
                            unreadable.add(relative); // a link whose target is gone
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        if (!(e instanceof FileSystemLoopException)) {
                            unreadable.add(relative(dir, file));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
        return new HfSourceFiles(dir, found, unreadable);
    }

    /** Whether a file at this relative path is carried: not config.json, not a weight. */
    static boolean carried(String relative) {
        String name = relative.substring(relative.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return !relative.equals(HfDirectoryFormat.CONFIG) && !WEIGHTS.matcher(name).matches();
    }

    private static String relative(Path dir, Path p) {
        return dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    /** Why a directory written from the source would lose files: one line per file that cannot be read. */
    List<String> problems() {
        return unreadable.stream().map(f -> "source file " + directory.resolve(f) + " cannot be read, so it cannot be"
                + " carried to the output (make it readable, or move it out of the model directory)").toList();
    }

    /** Bytes the copies take. */
    long bytes() throws IOException {
        long total = 0;
        for (String f : files) {
            total += Files.size(directory.resolve(f));
        }
        return total;
    }

    /**
     * Copies every file into {@code out} at the same relative path, creating subdirectories; a file already there
     * (one the writer produced) is an error rather than overwritten.
     */
    void copyInto(Path out) throws IOException {
        for (String f : files) {
            Path target = out.resolve(f);
            Files.createDirectories(target.getParent());
            Files.copy(directory.resolve(f), target);
        }
    }
}
