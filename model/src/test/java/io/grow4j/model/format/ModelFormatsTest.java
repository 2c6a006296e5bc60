package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.format.onnx.OnnxFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFormatsTest {
    @TempDir
    Path dir;

    @Test
    void inputsAreChosenByWhatIsThere() throws IOException {
        Path bin = Files.createFile(dir.resolve("stories.bin"));
        Path hf = Files.createDirectory(dir.resolve("model"));
        Path oddlyNamedDirectory = Files.createDirectory(dir.resolve("weights.bin"));
        Path gguf = Files.createFile(dir.resolve("model.gguf"));
        Path onnx = Files.createFile(dir.resolve("model.onnx"));
        assertInstanceOf(Llama2cFormat.class, ModelFormats.forInput(bin));
        assertInstanceOf(OnnxFormat.class, ModelFormats.forInput(onnx));
        assertInstanceOf(GgufFormat.class, ModelFormats.forInput(gguf));
        assertInstanceOf(HfDirectoryFormat.class, ModelFormats.forInput(hf));
        assertInstanceOf(HfDirectoryFormat.class, ModelFormats.forInput(oddlyNamedDirectory));
    }

    @Test
    void unsupportedOrMissingInputsSayWhatIsSupported() throws IOException {
        Path pt = Files.createFile(dir.resolve("model.pt"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFormats.forInput(pt));
        assertTrue(e.getMessage().startsWith(pt + ": unsupported checkpoint"), e.getMessage());
        assertTrue(e.getMessage().contains(".bin") && e.getMessage().contains(".gguf")
                && e.getMessage().contains("config.json"), e.getMessage());

        Path missing = dir.resolve("nope.bin");
        NoSuchFileException n = assertThrows(NoSuchFileException.class, () -> ModelFormats.forInput(missing));
        assertTrue(n.getMessage().startsWith(missing.toString()), n.getMessage());
    }

    @Test
    void outputsAreChosenByName() {
        assertInstanceOf(Llama2cFormat.class, ModelFormats.forOutput(dir.resolve("grown.bin")));
        assertInstanceOf(HfDirectoryFormat.class, ModelFormats.forOutput(dir.resolve("grown")));
        assertInstanceOf(HfDirectoryFormat.class, ModelFormats.forOutput(dir.resolve("grown.safetensors")));
        assertInstanceOf(GgufFormat.class, ModelFormats.forOutput(dir.resolve("grown.gguf")));
        assertInstanceOf(OnnxFormat.class, ModelFormats.forOutput(dir.resolve("grown.onnx")));
    }

    @Test
    void formatsByName() {
        assertInstanceOf(Llama2cFormat.class, ModelFormats.named("llama2.c"));
        assertInstanceOf(HfDirectoryFormat.class, ModelFormats.named("hf-directory"));
        assertInstanceOf(GgufFormat.class, ModelFormats.named("gguf"));
        assertInstanceOf(OnnxFormat.class, ModelFormats.named("onnx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFormats.named("pickle"));
        assertTrue(e.getMessage().contains("llama2.c, hf-directory, gguf, onnx"), e.getMessage());
    }

    @Test
    void chosenFormatsReadWhatTheyWrite() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.F32, 6);
        for (String name : new String[] {"a.bin", "a", "a.gguf"}) {
            Path out = dir.resolve(name);
            ModelFormats.forOutput(out).write(model, out);
            // llama2.c and GGUF read back interleaved; the directory keeps half-split.
            Model read = ModelFormats.forInput(out).read(out);
            Fixtures.assertSameModel(model, RopePermutation.toLayout(read, RopeLayout.HALF_SPLIT));
        }
    }
}
