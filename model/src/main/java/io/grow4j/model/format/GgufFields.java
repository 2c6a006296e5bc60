package io.grow4j.model.format;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of GGUF metadata that collect every problem instead of stopping at the first, so one error lists all
 * missing or mistyped keys. A failed read returns a harmless placeholder; {@link #check} throws before anything is built
 * from it. Readers accept any integer type for sizes and either float type for reals, as llama.cpp's loader does for
 * files written by other tools.
 */
final class GgufFields {
    private final Path file;
    private final Map<String, GgufValue> metadata;
    private final List<String> problems = new ArrayList<>();

    GgufFields(Path file, Map<String, GgufValue> metadata) {
        this.file = file;
        this.metadata = metadata;
    }

    boolean has(String key) {
        return metadata.containsKey(key);
    }

    GgufValue get(String key) {
        return metadata.get(key);
    }

    /** A required integer in [min, Integer.MAX_VALUE]. */
    int integer(String key, int min) {
        if (!has(key)) {
            problems.add("missing " + key);
            return Math.max(min, 1);
        }
        return integer(key, min, min);
    }

    /** An optional integer in [min, Integer.MAX_VALUE]; {@code absent} when the key is missing. */
    int integer(String key, int min, int absent) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            return absent;
        }
        // A UINT64 above Long.MAX_VALUE reads negative and fails here too (min is never negative).
        if (v instanceof GgufValue.Int i && i.value() >= min && i.value() <= Integer.MAX_VALUE) {
            return (int) i.value();
        }
        problems.add(key + " must be an integer >= " + min + ", got " + describe(v));
        return Math.max(min, 1);
    }

    /** A required real number, float32 or float64. Returns the float32 value as stored. */
    double real(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            problems.add("missing " + key);
            return 1;
        }
        return real(key, 1);
    }

    /** An optional real number; {@code absent} when the key is missing. */
    double real(String key, double absent) {
        return switch (metadata.get(key)) {
            case null -> absent;
            case GgufValue.Float32 f -> f.value();
            case GgufValue.Float64 d -> d.value();
            case GgufValue other -> {
                problems.add(key + " must be a float32 or float64, got " + describe(other));
                yield absent;
            }
        };
    }

    /** An optional string; {@code absent} when missing. */
    String string(String key, String absent) {
        return switch (metadata.get(key)) {
            case null -> absent;
            case GgufValue.Str s -> s.text();
            case GgufValue other -> {
                problems.add(key + " must be a string, got " + describe(other));
                yield absent;
            }
        };
    }

    void problem(String problem) {
        problems.add(problem);
    }

    void check(String what) throws CheckpointException {
        if (!problems.isEmpty()) {
            throw new CheckpointException(file, what + ":\n  " + String.join("\n  ", problems));
        }
    }

    static String describe(GgufValue v) {
        return v.type() + " " + v + (v instanceof GgufValue.Array ? " (per-layer values are not supported)" : "");
    }
}
