package io.grow4j.model.format;

import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint format: reads a whole model into memory and writes one back. Writing is all or nothing: the output
 * appears under its name only once complete, and a refused config leaves nothing on disk.
 */
public interface ModelFormat {
    /** Short name for messages and options, e.g. "llama2.c". */
    String name();

    /**
     * Reads the checkpoint at {@code path} into fresh memory (the file may be closed or replaced afterwards).
     *
     * @throws CheckpointException the file is truncated, corrupt or inconsistent; the message names file, offset and
     *     tensor where they apply
     * @throws IOException the file cannot be opened or read at all
     */
    Model read(Path path) throws IOException;

    /**
     * What reading changed in the stored values of {@code model} (read by this format, possibly grown or converted
     * since), one line each, e.g. "dequantized Q8_0 → F32: 7 tensors", for commands to print. Empty when the model holds
     * exactly what the file stored.
     */
    default List<String> readNotes(Model model) {
        return List.of();
    }

    /**
     * What writing {@code model} adds that the model does not hold (a GGUF file's placeholder vocabulary), one line
     * each, for commands to print; empty when the file holds the model as it is.
     */
    default List<String> writeNotes(Model model) {
        return List.of();
    }

    /**
     * Every reason this format cannot hold a model of {@code config} exactly; empty when it can. Callers ask before
     * doing any work, so a long growth run never ends in an unwritable result.
     */
    List<String> writeProblems(TransformerConfig config);

    /**
     * Every reason this format cannot write what {@code source} grows into: {@link #writeProblems(TransformerConfig)}
     * plus what the format needs from the source itself (ONNX writes into the graph it read, so the source must come
     * from one). Asked before any growth runs.
     */
    default List<String> writeProblems(Model source, TransformerConfig grown) {
        return writeProblems(grown);
    }

    /**
     * Writes {@code model} to {@code out}, first under a temporary sibling name, renamed into place at the end.
     *
     * @throws IllegalArgumentException {@link #writeProblems} is not empty for the model's config (nothing written)
     * @throws IOException writing failed (the temporary output is removed, {@code out} is untouched)
     */
    void write(Model model, Path out) throws IOException;
}
