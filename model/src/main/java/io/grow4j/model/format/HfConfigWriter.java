package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.DType;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The one writer of a directory's config.json, whether the directory is written whole ({@link HfDirectoryFormat#write})
 * or streamed tensor by tensor ({@link HfCheckpoint#writeCarried}).
 *
 * <p>A model read from a directory of the same family starts from that directory's config.json: every key, null
 * values included, in its order. The family's codec then sets the keys it understands from the written config, and
 * each key whose value changed is put back to the source's value (or left out, as in the source) whenever the config
 * reads back the same without the change: a default the codec spells out (head_dim, max_position_embeddings) or a
 * number it spells differently (10000 as 10000.0) is no change. So the written config.json differs from the source's
 * only in the keys the model's change (growth, dtype) decides, and keys a codec does not know survive as they were.
 * Per-layer lists ({@code layer_types}) follow the layer count when all layers share one value; otherwise
 * {@link #problems} refuses the write before any work. A model that knows each layer's attention type (Gemma's
 * {@link io.grow4j.model.AttentionShape}) has its layer_types written by the codec instead.
 */
final class HfConfigWriter {
    private static final Map<DType, String> TORCH_DTYPES = new EnumMap<>(Map.of(
            DType.F64, "float64", DType.F32, "float32", DType.F16, "float16", DType.BF16, "bfloat16"));
    /** transformers 4 writes torch_dtype, 5 writes dtype; whichever the source has is updated. */
    private static final List<String> DTYPE_KEYS = List.of("torch_dtype", "dtype");
    /** Keys the writer sets itself, never reverted to the source's value. */
    private static final Set<String> OWN_KEYS = Set.of("model_type", "architectures", "torch_dtype", "dtype");
    /** Lists with one entry per layer (transformers' layer_types: "full_attention" or "sliding_attention"). */
    private static final List<String> LAYER_LISTS = List.of("layer_types");

    private HfConfigWriter() {
    }

    /** Writes config.json for {@code config} at {@code file}, carrying what {@code carried} holds. */
    static void write(Path file, HfFamily family, TransformerConfig config, DType torchDtype,
            Optional<HfCarried> carried) throws IOException {
        SafetensorsFile.JSON.writer(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), json(family, config, torchDtype, carried));
    }

    static ObjectNode json(HfFamily family, TransformerConfig config, DType torchDtype, Optional<HfCarried> carried) {
        Optional<ObjectNode> source = carried.flatMap(c -> c.configFor(family));
        ObjectNode json = source.map(ObjectNode::deepCopy).orElseGet(SafetensorsFile.JSON::createObjectNode);
        if (!json.has("architectures")) {
            json.putArray("architectures").add(family.architectureClass());
        }
        json.put("model_type", family.modelType());
        family.codec().write(config, json);
        writeDtype(json, TORCH_DTYPES.get(torchDtype), source.isEmpty());
        if (source.isEmpty()) {
            return json;
        }
        if (config.attentionShape().layerTypes().isEmpty()) {
            resizeLayerLists(source.get(), json, config.layers());
        }
        return inSourceOrder(source.get(), keepSourceValues(family, source.get(), json));
    }

    /**
     * The source's keys in the source's order, then any new ones: a codec that removes a key and the revert that
     * puts it back (rope_scaling) would otherwise move it to the end.
     */
    private static ObjectNode inSourceOrder(ObjectNode source, ObjectNode json) {
        ObjectNode ordered = SafetensorsFile.JSON.createObjectNode();
        source.fieldNames().forEachRemaining(name -> {
            if (json.has(name)) {
                ordered.set(name, json.get(name));
            }
        });
        json.properties().forEach(e -> {
            if (!ordered.has(e.getKey())) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        return ordered;
    }

    /** Updates the dtype keys the source has; a config without a source gets torch_dtype. */
    private static void writeDtype(ObjectNode json, String dtype, boolean fresh) {
        boolean any = false;
        for (String key : DTYPE_KEYS) {
            if (json.path(key).isTextual()) {
                json.put(key, dtype);
                any = true;
            }
        }
        if (!any && fresh) {
            json.put(DTYPE_KEYS.getFirst(), dtype);
        }
    }

    private static ObjectNode keepSourceValues(HfFamily family, ObjectNode source, ObjectNode written) {
        TransformerConfig meant = readBack(family, written);
        if (meant == null) {
            return written;
        }
        Set<String> names = new LinkedHashSet<>();
        written.fieldNames().forEachRemaining(names::add);
        source.fieldNames().forEachRemaining(names::add);
        ObjectNode json = written;
        for (String name : names) {
            JsonNode was = source.get(name);
            if (OWN_KEYS.contains(name) || LAYER_LISTS.contains(name) || Objects.equals(was, json.get(name))) {
                continue;
            }
            ObjectNode candidate = json.deepCopy();
            if (was == null) {
                candidate.remove(name);
            } else {
                candidate.set(name, was);
            }
            if (meant.equals(readBack(family, candidate))) {
                json = candidate;
            }
        }
        return json;
    }

    /** The config a config.json means, or null when it does not read. */
    private static TransformerConfig readBack(HfFamily family, ObjectNode json) {
        try {
            return HfDirectoryFormat.parseConfig(family, Path.of(HfDirectoryFormat.CONFIG), json);
        } catch (CheckpointException e) {
            return null;
        }
    }

    /**
     * Why the source's config.json cannot follow a model of {@code config}: a per-layer list ({@code layer_types})
     * whose layers differ, when the layer count changes, since nothing says which value new layers take. Empty when
     * it can, or when nothing is carried.
     */
    static List<String> problems(TransformerConfig config, Optional<HfCarried> carried) {
        HfFamily family = HfFamily.forArchitecture(config.architecture());
        Optional<ObjectNode> source = carried.flatMap(c -> c.configFor(family));
        List<String> problems = new ArrayList<>();
        if (!config.attentionShape().layerTypes().isEmpty()) {
            return problems; // the model knows each layer's type, and the codec writes layer_types from it
        }
        for (String key : LAYER_LISTS) {
            JsonNode list = source.map(s -> s.get(key)).orElse(null);
            if (list != null && list.isArray() && list.size() != config.layers() && distinct(list).size() > 1) {
                problems.add("config.json " + key + " gives the " + list.size() + " source layers different values "
                        + distinct(list) + "; nothing says which the " + config.layers() + " grown layers take"
                        + " (edit " + key + " in the source so that all layers have one value, or grow no layers)");
            }
        }
        return problems;
    }

    private static Set<JsonNode> distinct(JsonNode list) {
        Set<JsonNode> values = new LinkedHashSet<>();
        list.forEach(values::add);
        return values;
    }

    /**
     * A per-layer list of the source follows the new layer count when every layer has the same value ({@link
     * #problems} refuses the others before anything is written).
     */
    private static void resizeLayerLists(ObjectNode source, ObjectNode json, int layers) {
        for (String key : LAYER_LISTS) {
            JsonNode list = source.get(key);
            if (list == null || !list.isArray() || list.size() == layers || list.isEmpty()) {
                continue;
            }
            Set<JsonNode> values = distinct(list);
            if (values.size() != 1) {
                throw new IllegalArgumentException("config.json " + key + " holds different values per layer: "
                        + values);
            }
            ArrayNode resized = json.putArray(key);
            for (int i = 0; i < layers; i++) {
                resized.add(values.iterator().next());
            }
        }
    }
}
