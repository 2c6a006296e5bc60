package io.grow4j.model.format;

import io.grow4j.model.TransformerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed reads from a config.json object that collect every problem instead of stopping at the first, so one error
 * lists all bad fields. A failed read returns a harmless placeholder; {@link #check} then throws before anything is
 * built from it.
 */
final class ConfigFields {
    private final Path file;
    private final JsonNode root;
    private final List<String> problems;
    /** "rope_scaling." for a nested object's fields, so problems name the full path; "" at the top. */
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    ConfigFields(Path file, JsonNode root) {
        this(file, root, "", new ArrayList<>());
    }

    private ConfigFields(Path file, JsonNode root, String prefix, List<String> problems) {
        this.file = file;
        this.root = root;
        this.prefix = prefix;
        this.problems = problems;
    }

    /** The fields of a nested JSON object; its problems are reported with this object's, named "field.key". */
    ConfigFields nested(String field) {
        return new ConfigFields(file, node(field), prefix + field + ".", problems);
    }

    /** The names of the fields present. */
    Set<String> names() {
        Set<String> names = new HashSet<>();
        root.properties().forEach(e -> names.add(e.getKey()));
        return names;
    }

    Path file() {
        return file;
    }

    boolean has(String field) {
        read.add(field);
        JsonNode node = root.get(field);
        return node != null && !node.isNull();
    }

    /** A JSON object field, or a missing node when absent. */
    JsonNode node(String field) {
        read.add(field);
        return root.path(field);
    }

    /** A required integer >= min. */
    int integer(String field, int min) {
        if (!has(field)) {
            problems.add("missing " + prefix + field);
            return Math.max(min, 1);
        }
        return integer(field, min, 1);
    }

    /** An optional integer >= min; {@code absent} when the field is missing or null. */
    int integer(String field, int min, int absent) {
        if (!has(field)) {
            return absent;
        }
        JsonNode n = root.get(field);
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min) {
            problems.add(prefix + field + " must be an integer >= " + min + ", got " + n);
            return Math.max(min, 1);
        }
        return n.asInt();
    }

    /** An optional number >= 0 (or > 0 when {@code positive}); {@code absent} when missing or null. */
    double number(String field, boolean positive, double absent) {
        if (!has(field)) {
            return absent;
        }
        JsonNode n = root.get(field);
        if (!n.isNumber() || !(positive ? n.asDouble() > 0 : n.asDouble() >= 0) || Double.isInfinite(n.asDouble())) {
            problems.add(prefix + field + " must be a " + (positive ? "positive" : "non-negative") + " number, got " + n);
            return positive ? 1 : 0;
        }
        return n.asDouble();
    }

    double number(String field, boolean positive) {
        if (!has(field)) {
            problems.add("missing " + prefix + field);
            return 1;
        }
        return number(field, positive, 1);
    }

    boolean bool(String field) {
        if (!has(field)) {
            problems.add("missing " + prefix + field);
            return false;
        }
        return bool(field, false);
    }

    boolean bool(String field, boolean absent) {
        if (!has(field)) {
            return absent;
        }
        JsonNode n = root.get(field);
        if (!n.isBoolean()) {
            problems.add(prefix + field + " must be true or false, got " + n);
            return absent;
        }
        return n.asBoolean();
    }

    /** An optional string that must be one of {@code allowed}; {@code absent} when missing. */
    String choice(String field, String absent, Set<String> allowed) {
        if (!has(field)) {
            if (absent == null) {
                problems.add("missing " + prefix + field + " (one of " + allowed + ")");
            }
            return absent;
        }
        JsonNode n = root.get(field);
        if (!n.isTextual() || !allowed.contains(n.asText())) {
            problems.add(prefix + field + " must be one of " + allowed + ", got " + n);
            return absent;
        }
        return n.asText();
    }

    void problem(String message) {
        problems.add(message);
    }

    /**
     * How many problems this config (nested objects included) has so far: a check derived from fields read earlier
     * runs only when the count did not grow while reading them, since a failed read yields a placeholder and a check
     * of placeholders reports faults the file does not have (head_dim 1 from a bad hidden_size).
     */
    int problemCount() {
        return problems.size();
    }

    /** For formats that own their schema: any field nobody read is a problem, not silently ignored. */
    void rejectUnread() {
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (!read.contains(field.getKey())) {
                problems.add("unknown field " + field.getKey());
            }
        }
    }

    /**
     * The config built from the fields read, once {@link #check()} has passed: a size combination that
     * {@link TransformerConfig} rejects (an IllegalArgumentException) becomes this file's "inconsistent config" error.
     */
    TransformerConfig consistent(java.util.function.Supplier<TransformerConfig> build) throws CheckpointException {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "inconsistent config: " + e.getMessage(), e);
        }
    }

    /**
     * num_key_value_heads (default: {@code heads}, no grouping), with a problem recorded and {@code heads} returned
     * when it does not divide the query heads, so reading goes on and reports every problem together.
     */
    int kvHeads(int heads) {
        int kvHeads = integer("num_key_value_heads", 1, heads);
        if (heads % kvHeads != 0) {
            problem("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
            return heads;
        }
        return kvHeads;
    }

    void check() throws CheckpointException {
        if (!problems.isEmpty()) {
            throw new CheckpointException(file, "bad config:\n  " + String.join("\n  ", problems));
        }
    }
}
