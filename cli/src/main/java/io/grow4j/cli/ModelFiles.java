package io.grow4j.cli;

import io.grow4j.model.Model;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading models for the commands, with the format chosen from the path. */
final class ModelFiles {
    private ModelFiles() {
    }

    static Model read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model not found");
        }
        ModelFormat format = ModelFormats.forInput(path);
        return format.read(path);
    }
}
