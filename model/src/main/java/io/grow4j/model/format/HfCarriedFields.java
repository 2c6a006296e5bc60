package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

/**
 * config.json fields a family carries without interpreting them ({@link HfConfigCodec#carriedFields()}), kept in the
 * model's {@link Model#extras() extras} so growth carries them along and a write of the same family puts them back.
 * Values are held as JSON text, which is immutable.
 */
record HfCarriedFields(String modelType, SequencedMap<String, String> fields) {
    /** The key of these fields in {@link Model#extras()}. */
    static final String EXTRAS_KEY = "hf-directory";

    HfCarriedFields {
        fields = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(fields));
    }

    /** The family's carried fields present (and not null) in a config.json. */
    static HfCarriedFields read(HfFamily family, ConfigFields config) {
        SequencedMap<String, String> fields = new LinkedHashMap<>();
        for (String name : family.codec().carriedFields()) {
            JsonNode node = config.node(name);
            if (!node.isMissingNode() && !node.isNull()) {
                fields.put(name, node.toString());
            }
        }
        return new HfCarriedFields(family.modelType(), fields);
    }

    /** The extras of a model read with these fields (none when there are none). */
    Map<String, Object> asExtras() {
        return fields.isEmpty() ? Map.of() : Map.of(EXTRAS_KEY, this);
    }

    /** Puts back the fields a model read from a directory of {@code family} carried; other families' are dropped. */
    static void write(Model model, HfFamily family, ObjectNode json) {
        if (model.extras().get(EXTRAS_KEY) instanceof HfCarriedFields c && c.modelType.equals(family.modelType())) {
            c.fields.forEach((name, text) -> {
                try {
                    json.set(name, SafetensorsFile.JSON.readTree(text));
                } catch (IOException e) {
                    throw new UncheckedIOException("carried field " + name + " is no JSON: " + text, e);
                }
            });
        }
    }
}
