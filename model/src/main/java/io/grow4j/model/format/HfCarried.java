package io.grow4j.model.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * What a model read from a Hugging Face directory carries, in its {@link io.grow4j.model.Model#extras() extras}, to
 * any directory it is written to: the source config.json whole (every key in its order, null values included,
 * held as JSON text, which is immutable) and the source's non-weight files. A writer starts from the source config
 * and changes only what the written model changes ({@link HfConfigWriter}).
 *
 * @param modelType the source's model_type: another family's config keys are not carried
 * @param config    the source config.json as JSON text
 * @param files     the source's non-weight files
 */
record HfCarried(String modelType, String config, HfSourceFiles files) {
    /** The key of this record in {@link io.grow4j.model.Model#extras()}. */
    static final String EXTRAS_KEY = "hf-directory";

    static HfCarried read(HfFamily family, ObjectNode config, HfSourceFiles files) {
        return new HfCarried(family.modelType(), config.toString(), files);
    }

    /** The extras of a model read with this. */
    Map<String, Object> asExtras() {
        return Map.of(EXTRAS_KEY, this);
    }

    /** What a model's (or a checkpoint's) extras carry from a directory, if it was read from one. */
    static Optional<HfCarried> of(Map<String, ?> extras) {
        return extras.get(EXTRAS_KEY) instanceof HfCarried c ? Optional.of(c) : Optional.empty();
    }

    /** The source config.json as a fresh object when it is of {@code family}; empty for another family. */
    Optional<ObjectNode> configFor(HfFamily family) {
        if (!modelType.equals(family.modelType())) {
            return Optional.empty();
        }
        try {
            return Optional.of((ObjectNode) SafetensorsFile.JSON.readTree(config));
        } catch (IOException e) {
            throw new UncheckedIOException("carried config.json is no JSON object", e);
        }
    }
}
