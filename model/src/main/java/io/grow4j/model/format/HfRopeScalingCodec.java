package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.RopeScaling;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * config.json's RoPE scaling in both spellings: transformers 4.x's {@code rope_scaling} object ("type" or
 * "rope_type", rope_theta beside it at the top level) and 5.x's {@code rope_parameters} (rope_type and rope_theta
 * inside). Fields and defaults as transformers' modeling_rope_utils.py reads them; fields it does not know are refused
 * rather than ignored, since any of them could change the function. Written in the 4.x spelling, which 5.x still reads.
 */
final class HfRopeScalingCodec {
    private static final Set<String> TYPE_FIELDS = Set.of("rope_type", "type");

    private HfRopeScalingCodec() {
    }

    /** The scaling of a config, or NONE; problems (unknown type or field, bad values) go to {@code f}. */
    static RopeScaling read(ConfigFields f) {
        String field = f.has("rope_parameters") ? "rope_parameters" : f.has("rope_scaling") ? "rope_scaling" : null;
        if (field == null) {
            return RopeScaling.NONE;
        }
        return read(f, field);
    }

    /**
     * The scaling in object {@code field} of {@code f} (rope_type and its fields, rope_theta allowed beside them),
     * such as one layer type's entry of Gemma 3's rope_parameters.
     */
    static RopeScaling read(ConfigFields f, String field) {
        if (!f.node(field).isObject()) {
            f.problem(field + " must be an object, got " + f.node(field));
            return RopeScaling.NONE;
        }
        ConfigFields s = f.nested(field);
        JsonNode typeNode = s.node("rope_type").isMissingNode() ? s.node("type") : s.node("rope_type");
        String type = typeNode.asText("default");
        Set<String> allowed = new TreeSet<>(TYPE_FIELDS);
        allowed.add("rope_theta");
        // 5.x keeps Phi-3's partial_rotary_factor here; LlamaConfigCodec reads it (HfRopeParts).
        allowed.add("partial_rotary_factor");
        int before = f.problemCount();
        try {
            RopeScaling scaling = switch (type) {
                case "default" -> RopeScaling.NONE;
                case "linear" -> new RopeScaling.Linear(s.number("factor", true));
                case "dynamic" -> new RopeScaling.Dynamic(s.number("factor", true),
                        optionalInt(s, "original_max_position_embeddings"));
                case "llama3" -> new RopeScaling.Llama3(s.number("factor", true), s.number("low_freq_factor", true),
                        s.number("high_freq_factor", true), s.integer("original_max_position_embeddings", 1));
                case "yarn" -> yarn(s);
                case "longrope" -> longRope(f, s);
                default -> {
                    f.problem(field + ".rope_type '" + type + "' is unknown (known: default, "
                            + String.join(", ", RopeScaling.KNOWN_TYPES) + ")");
                    yield RopeScaling.NONE;
                }
            };
            allowed.addAll(fieldsOf(type));
            Set<String> unknown = new TreeSet<>(s.names());
            unknown.removeAll(allowed);
            if (!unknown.isEmpty() && RopeScaling.KNOWN_TYPES.contains(type)) {
                f.problem(field + " has fields " + unknown + " that " + type + " scaling does not use (known: "
                        + new TreeSet<>(fieldsOf(type)) + ")");
            }
            return scaling;
        } catch (IllegalArgumentException e) {
            // a field already reported (missing, malformed) was read as a placeholder, which the record then
            // rejects too: only a record built from fields that all read well reports its own rule
            if (f.problemCount() == before) {
                f.problem(field + ": " + e.getMessage());
            }
            return RopeScaling.NONE;
        }
    }

    private static List<String> fieldsOf(String type) {
        return switch (type) {
            case "linear" -> List.of("factor");
            case "dynamic" -> List.of("factor", "original_max_position_embeddings");
            case "llama3" -> List.of("factor", "low_freq_factor", "high_freq_factor",
                    "original_max_position_embeddings");
            case "yarn" -> List.of("factor", "original_max_position_embeddings", "beta_fast", "beta_slow",
                    "attention_factor", "mscale", "mscale_all_dim", "truncate");
            case "longrope" -> List.of("short_factor", "long_factor", "original_max_position_embeddings", "factor",
                    "attention_factor");
            default -> List.of();
        };
    }

    private static RopeScaling yarn(ConfigFields s) {
        return new RopeScaling.Yarn(s.number("factor", true), optionalInt(s, "original_max_position_embeddings"),
                optional(s, "beta_fast"), optional(s, "beta_slow"), optional(s, "attention_factor"),
                optional(s, "mscale"), optional(s, "mscale_all_dim"),
                s.has("truncate") ? s.bool("truncate", true) : null);
    }

    /** Phi-3 keeps original_max_position_embeddings at the top level of config.json; transformers reads either. */
    private static RopeScaling longRope(ConfigFields top, ConfigFields s) {
        Integer original = optionalInt(s, "original_max_position_embeddings");
        if (original == null) {
            original = optionalInt(top, "original_max_position_embeddings");
        }
        return new RopeScaling.LongRope(list(s, "short_factor"), list(s, "long_factor"), original,
                optional(s, "factor"), optional(s, "attention_factor"));
    }

    private static Double optional(ConfigFields s, String field) {
        return s.has(field) ? s.number(field, false, 0) : null;
    }

    private static Integer optionalInt(ConfigFields s, String field) {
        return s.has(field) ? s.integer(field, 1, 1) : null;
    }

    private static List<Double> list(ConfigFields s, String field) {
        JsonNode node = s.node(field);
        List<Double> values = new ArrayList<>();
        if (!node.isArray()) {
            s.problem((node.isMissingNode() ? "missing " : "") + "longrope " + field + ": a list of numbers, got "
                    + node);
            return values;
        }
        for (JsonNode v : node) {
            if (!v.isNumber()) {
                s.problem("longrope " + field + ": entries must be numbers, got " + v);
                return List.of();
            }
            values.add(v.asDouble());
        }
        return values;
    }

    /** The rope_scaling object of a scaling, or null for none. */
    static ObjectNode write(RopeScaling scaling) {
        ObjectNode o = SafetensorsFile.JSON.createObjectNode();
        switch (scaling) {
            case RopeScaling.None n -> {
                return null;
            }
            case RopeScaling.Linear l -> o.put("rope_type", "linear").put("factor", l.factor());
            case RopeScaling.Dynamic d -> {
                o.put("rope_type", "dynamic").put("factor", d.factor());
                putIf(o, "original_max_position_embeddings", d.originalMaxPositions());
            }
            case RopeScaling.Llama3 l -> o.put("rope_type", "llama3").put("factor", l.factor())
                    .put("low_freq_factor", l.lowFreqFactor()).put("high_freq_factor", l.highFreqFactor())
                    .put("original_max_position_embeddings", l.originalMaxPositions());
            case RopeScaling.Yarn y -> {
                o.put("rope_type", "yarn").put("factor", y.factor());
                putIf(o, "original_max_position_embeddings", y.originalMaxPositions());
                putIf(o, "beta_fast", y.betaFast());
                putIf(o, "beta_slow", y.betaSlow());
                putIf(o, "attention_factor", y.attentionFactor());
                putIf(o, "mscale", y.mscale());
                putIf(o, "mscale_all_dim", y.mscaleAllDim());
                if (y.truncate() != null) {
                    o.put("truncate", y.truncate());
                }
            }
            case RopeScaling.LongRope l -> {
                o.put("rope_type", "longrope");
                ArrayNode shortFactor = o.putArray("short_factor");
                l.shortFactor().forEach(shortFactor::add);
                ArrayNode longFactor = o.putArray("long_factor");
                l.longFactor().forEach(longFactor::add);
                putIf(o, "original_max_position_embeddings", l.originalMaxPositions());
                putIf(o, "factor", l.factor());
                putIf(o, "attention_factor", l.attentionFactor());
            }
            case RopeScaling.FrequencyDivisors d -> throw new IllegalArgumentException(
                    "config.json has no field for per-pair frequency divisors (GGUF rope_freqs.weight)");
        }
        return o;
    }

    private static void putIf(ObjectNode o, String field, Number value) {
        if (value instanceof Integer i) {
            o.put(field, i);
        } else if (value != null) {
            o.put(field, value.doubleValue());
        }
    }
}
