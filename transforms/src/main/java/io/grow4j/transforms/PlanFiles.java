package io.grow4j.transforms;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.grow4j.transforms.steps.GrowthStep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plan files (YAML): {@code seed}, {@code steps} (each a one-key mapping from step name to its fields) and an
 * optional {@code version}. Parsing is strict: unknown steps and fields, wrong types and missing fields are all
 * reported together, each naming its step.
 */
public final class PlanFiles {
    private static final Set<String> TOP_LEVEL = Set.of("version", "seed", "steps");
    /** Duplicate keys are refused: YAML says keys are unique, and a silent last-one-wins hides an edit gone wrong. */
    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature()));

    private PlanFiles() {
    }

    public static GrowthPlan read(Path file) throws IOException {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new PlanException(List.of("plan file " + file + " does not exist"));
        }
    }

    public static GrowthPlan parse(String yaml, String source) {
        JsonNode root = readSingleDocument(yaml, source);
        if (root == null || !root.isObject()) {
            throw new PlanException(List.of(source + ": a plan is a mapping with 'seed' and 'steps'"));
        }
        List<String> problems = new ArrayList<>();
        root.fieldNames().forEachRemaining(name -> {
            if (!TOP_LEVEL.contains(name)) {
                problems.add(source + ": unknown field '" + name + "' (known: seed, steps, version)");
            }
        });
        JsonNode version = root.get("version");
        if (version != null && !(version.isInt() && version.intValue() == GrowthPlan.FORMAT_VERSION)) {
            problems.add(source + ": unsupported plan version " + version + " (this build reads version "
                    + GrowthPlan.FORMAT_VERSION + ")");
        }
        long seed = readSeed(root.get("seed"), source, problems);
        List<GrowthStep> steps = readSteps(root.get("steps"), source, problems);
        PlanException.throwIfAny(problems);
        return new GrowthPlan(seed, steps);
    }

    /**
     * The one YAML document of a plan. A second document ("---") would otherwise be ignored without a word, so that
     * a plan pasted twice or a concatenated file runs only its first half.
     */
    private static JsonNode readSingleDocument(String yaml, String source) {
        try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            JsonNode root = documents.hasNextValue() ? documents.nextValue() : null;
            if (documents.hasNextValue()) {
                JsonLocation at = documents.getParser().currentLocation();
                throw new PlanException(List.of(source + ": holds more than one YAML document (a second starts near line "
                        + at.getLineNr() + "); a plan is one document"));
            }
            return root;
        } catch (JacksonException e) {
            throw new PlanException(List.of(source + ": malformed YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
        } catch (IOException e) {
            throw new PlanException(List.of(source + ": unreadable YAML: " + e.getMessage()));
        }
    }

    private static long readSeed(JsonNode seed, String source, List<String> problems) {
        if (seed == null) {
            return 0;
        }
        if (!seed.isIntegralNumber() || !seed.canConvertToLong()) {
            problems.add(source + ": seed must be an integer, got " + seed);
            return 0;
        }
        return seed.longValue();
    }

    private static List<GrowthStep> readSteps(JsonNode steps, String source, List<String> problems) {
        List<GrowthStep> out = new ArrayList<>();
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            problems.add(source + ": 'steps' must be a non-empty list");
            return out;
        }
        for (int i = 0; i < steps.size(); i++) {
            GrowthStep step = readStep(steps.get(i), "step " + (i + 1), problems);
            if (step != null) {
                out.add(step);
            }
        }
        return out;
    }

    private static GrowthStep readStep(JsonNode node, String where, List<String> problems) {
        if (!node.isObject() || node.size() != 1) {
            problems.add(where + ": a step is a mapping with one key, the step name (" + StepType.names() + ")");
            return null;
        }
        String name = node.fieldNames().next();
        StepType type = StepType.named(name);
        if (type == null) {
            problems.add(where + ": unknown step '" + name + "' (known: " + StepType.names() + ")");
            return null;
        }
        String label = where + " (" + name + ")";
        JsonNode fields = node.get(name);
        if (fields == null || !fields.isObject()) {
            problems.add(label + ": fields must be a mapping, e.g. {" + String.join(", ", type.required()) + ": ...}");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!type.allows(field)) {
                problems.add(label + ": unknown field '" + field + "' (allowed: "
                        + String.join(", ", union(type.required(), type.optional())) + ")");
            }
        }
        for (String field : type.required()) {
            if (!fields.has(field)) {
                problems.add(label + ": missing field '" + field + "'");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        GrowthStep step = type.factory().apply(new StepFields(label, fields, problems));
        return problems.size() > before ? null : step;
    }

    private static List<String> union(Set<String> a, Set<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(null);
        return all;
    }

    /** The plan as YAML, readable back by {@link #parse}. */
    public static String toYaml(GrowthPlan plan) {
        ObjectNode root = YAML.createObjectNode();
        root.put("version", GrowthPlan.FORMAT_VERSION);
        root.put("seed", plan.seed());
        ArrayNode steps = root.putArray("steps");
        for (GrowthStep step : plan.steps()) {
            ObjectNode fields = YAML.valueToTree(step.fields());
            steps.addObject().set(step.kind(), fields);
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write plan", e);
        }
    }

}
