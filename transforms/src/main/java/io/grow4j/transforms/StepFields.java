package io.grow4j.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import io.grow4j.transforms.steps.Init;

import java.util.ArrayList;
import java.util.List;

/**
 * A step's fields from a plan file, read with type checks. A wrong type is recorded as a problem (naming the step
 * and field) and a neutral value returned, so parsing goes on and reports every problem at once.
 */
public final class StepFields {
    private final String where;
    private final JsonNode node;
    private final List<String> problems;

    StepFields(String where, JsonNode node, List<String> problems) {
        this.where = where;
        this.node = node;
        this.problems = problems;
    }

    /** Records a problem of this step that no single field check covers. */
    public void problem(String text) {
        problems.add(where + ": " + text);
    }

    public int integer(String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            problems.add(where + ": " + field + " must be an integer, got " + describe(v));
            return 0;
        }
        return v.intValue();
    }

    public boolean bool(String field, boolean absent) {
        JsonNode v = node.get(field);
        if (v == null) {
            return absent;
        }
        if (!v.isBoolean()) {
            problems.add(where + ": " + field + " must be true or false, got " + describe(v));
            return absent;
        }
        return v.booleanValue();
    }

    /** An optional number (absent: {@code absent}). */
    public double number(String field, double absent) {
        JsonNode v = node.get(field);
        if (v == null) {
            return absent;
        }
        if (!v.isNumber()) {
            problems.add(where + ": " + field + " must be a number, got " + describe(v));
            return absent;
        }
        return v.doubleValue();
    }

    /** An optional index, 0 or more (absent: -1). */
    public int optionalIndex(String field) {
        if (!node.has(field)) {
            return -1;
        }
        int value = integer(field);
        if (value < 0) {
            problems.add(where + ": " + field + " must be 0 or more, got " + value);
        }
        return Math.max(value, 0);
    }

    /** An optional {@code init:} choice; absent means {@link Init#RANDOM}, today's fill. */
    public Init init() {
        JsonNode v = node.get("init");
        if (v == null) {
            return Init.RANDOM;
        }
        Init init = v.isTextual() ? Init.named(v.textValue()) : null;
        if (init == null) {
            problems.add(where + ": init must be one of random, clone, copy, got " + describe(v));
            return Init.RANDOM;
        }
        return init;
    }

    public List<Integer> integers(String field) {
        JsonNode v = node.get(field);
        List<Integer> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            problems.add(where + ": " + field + " must be a list of integers, got " + describe(v));
            return out;
        }
        for (JsonNode item : v) {
            if (!item.isIntegralNumber() || !item.canConvertToInt()) {
                problems.add(where + ": " + field + " must be a list of integers, found " + describe(item));
            } else {
                out.add(item.intValue());
            }
        }
        return out;
    }

    private static String describe(JsonNode v) {
        return v == null ? "nothing" : v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
    }
}
