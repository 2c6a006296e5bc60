package io.grow4j.model.format;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import java.util.List;
import java.util.Optional;

/** Maps one model family's config.json fields to and from a {@link TransformerConfig}. */
interface HfConfigCodec {
    /** Reads the family's fields; {@code model_type}, {@code architectures} and the dtype are handled by the caller. */
    TransformerConfig read(ConfigFields fields) throws CheckpointException;

    /**
     * Sets the family's fields in {@code json}, which may already hold the source's config.json (keys the codec does
     * not know are carried as they are, see {@link HfConfigWriter}). Only called for configs without
     * {@link #problems}.
     */
    void write(TransformerConfig config, ObjectNode json);

    /** Why this family's config.json cannot describe {@code config} exactly; empty when it can. */
    List<String> problems(TransformerConfig config);

    /** The family's config.json name for the layer count, for messages. */
    default String layersField() {
        return "num_hidden_layers";
    }

    /** The RoPE layout Q and K rows are stored in when the family fixes it (empty: config.json says). */
    Optional<RopeLayout> storedRopeLayout();
}
