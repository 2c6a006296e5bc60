package io.grow4j.cli;

import io.grow4j.model.Model;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading models for the commands, with the format chosen from the path. */
final class ModelFiles {
    private ModelFiles() {
    }

    static Model read(Path path) throws IOException {
        return read(path, null);
    }

    /**
     * Reads a model and prints what the read changed (a quantized GGUF tensor dequantized to F32, for instance) as
     * "note:" lines, so a lossy read is never silent.
     */
    static Model read(Path path, PrintWriter notes) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model not found");
        }
        ModelFormat format = ModelFormats.forInput(path);
        Model model = format.read(path);
        if (notes != null) {
            for (String note : format.readNotes(model)) {
                notes.println("note: " + path + ": " + note);
            }
            notes.flush();
        }
        return model;
    }
}
