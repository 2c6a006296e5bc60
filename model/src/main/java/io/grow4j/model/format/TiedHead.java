package io.grow4j.model.format;

import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An output head stored beside {@code tie_word_embeddings: true}. transformers does not save it for a tied model, but
 * other exporters do (and a GPT2LMHeadModel state dict holds it): it is redundant when it equals the token
 * embedding, which is checked byte for byte (value for value when the two are stored in different dtypes). A
 * different head means config.json and the weights disagree, reported rather than silently dropped.
 */
final class TiedHead {
    private TiedHead() {
    }

    /**
     * The checkpoint's name of a redundant output head, to be skipped; empty when the model is not tied or stores no
     * head. Adds a problem, naming both tensors and the file, when the stored head is not the embedding.
     */
    static Optional<String> redundantCopy(HfFamily family, TransformerConfig config, SafetensorsCheckpoint weights,
            List<String> problems) {
        if (!config.tiedEmbeddings() || !config.architecture().languageModelHead()) {
            return Optional.empty();
        }
        Optional<String> head = locate(family, Role.OUTPUT, weights);
        Optional<String> embedding = locate(family, Role.TOKEN_EMBEDDING, weights);
        if (head.isEmpty() || embedding.isEmpty()) {
            return head;
        }
        SafetensorsCheckpoint.Located h = weights.tensors().get(head.get());
        SafetensorsCheckpoint.Located e = weights.tensors().get(embedding.get());
        String where = head.get() + " " + Tensor.shapeString(h.entry().shape()) + " in " + h.file().path().getFileName();
        String tied = " although tie_word_embeddings is true (set it false if the head is trained on its own)";
        if (!Arrays.equals(h.entry().shape(), e.entry().shape())) {
            problems.add(where + " differs in shape from the embedding " + embedding.get() + " "
                    + Tensor.shapeString(e.entry().shape()) + tied);
        } else if (h.entry().dtype().modelDType().isEmpty()) {
            problems.add(where + ": dtype " + h.entry().dtype() + " cannot hold a weight");
        } else if (!equal(h, e)) {
            problems.add(where + " differs from the embedding " + embedding.get() + tied);
        }
        return head;
    }

    private static Optional<String> locate(HfFamily family, Role role, SafetensorsCheckpoint weights) {
        return family.globalName(role).flatMap(name -> family.locate(name, weights.tensors().keySet()));
    }

    private static boolean equal(SafetensorsCheckpoint.Located a, SafetensorsCheckpoint.Located b) {
        if (a.entry().dtype() == b.entry().dtype()) {
            return a.file().bytes(a.entry()).mismatch(b.file().bytes(b.entry())) == -1;
        }
        if (b.entry().dtype().modelDType().isEmpty()) {
            return false;
        }
        Tensor x = a.file().mapped(a.entry());
        Tensor y = b.file().mapped(b.entry());
        for (long i = 0; i < x.size(); i++) {
            if (Double.compare(x.get(i), y.get(i)) != 0) {
                return false;
            }
        }
        return true;
    }
}
