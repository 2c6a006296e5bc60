package io.grow4j.model.format;

import io.grow4j.model.format.onnx.OnnxFormat;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Chooses a format from a path, so commands need no format option: a directory is a Hugging Face-style directory,
 * a {@code .bin} file a llama2.c checkpoint, a {@code .gguf} file llama.cpp's GGUF, a {@code .onnx} file an ONNX BERT
 * graph. Output paths follow the same rule by name alone, since they do not exist yet: {@code .bin} is llama2.c,
 * {@code .gguf} GGUF, {@code .onnx} ONNX, anything else names a directory to create.
 */
public final class ModelFormats {
    private static final Llama2cFormat LLAMA2C = new Llama2cFormat();
    private static final HfDirectoryFormat HF_DIRECTORY = new HfDirectoryFormat();
    private static final GgufFormat GGUF = new GgufFormat();
    private static final OnnxFormat ONNX = new OnnxFormat();
    private static final String SUPPORTED = "supported: a llama2.c checkpoint file ending in .bin, a GGUF file ending"
            + " in .gguf, an ONNX BERT model ending in .onnx, or a Hugging Face model directory with config.json and model.safetensors (or"
            + " model.safetensors.index.json and shards)";

    private ModelFormats() {
    }

    /** Every format, for listings and options. */
    public static List<ModelFormat> all() {
        return List.of(LLAMA2C, HF_DIRECTORY, GGUF, ONNX);
    }

    /**
     * The format to read {@code path} with.
     *
     * @throws NoSuchFileException nothing exists at {@code path}
     * @throws IllegalArgumentException it exists but is no supported form (the message lists them)
     */
    public static ModelFormat forInput(Path path) throws NoSuchFileException {
        if (Files.isDirectory(path)) {
            return HF_DIRECTORY;
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such checkpoint file or directory (" + SUPPORTED
                    + ")");
        }
        if (isBin(path)) {
            return LLAMA2C;
        }
        if (hasExtension(path, ".gguf")) {
            return GGUF;
        }
        if (hasExtension(path, ".onnx")) {
            return ONNX;
        }
        throw new IllegalArgumentException(path + ": unsupported checkpoint (" + SUPPORTED + ")");
    }

    /**
     * The format {@code out} will be written in, by its name: {@code .bin} is llama2.c, {@code .gguf} GGUF,
     * {@code .onnx} ONNX, anything else a directory.
     */
    public static ModelFormat forOutput(Path out) {
        if (isBin(out)) {
            return LLAMA2C;
        }
        return hasExtension(out, ".gguf") ? GGUF : hasExtension(out, ".onnx") ? ONNX : HF_DIRECTORY;
    }

    /** The format called {@code name} ({@link ModelFormat#name()}). */
    public static ModelFormat named(String name) {
        return all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown format '" + name + "' (supported: "
                        + String.join(", ", all().stream().map(ModelFormat::name).toList()) + ")"));
    }

    private static boolean isBin(Path path) {
        return hasExtension(path, ".bin");
    }

    private static boolean hasExtension(Path path, String extension) {
        Path name = path.getFileName();
        return name != null && name.toString().endsWith(extension);
    }
}
