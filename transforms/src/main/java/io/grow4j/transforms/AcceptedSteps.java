package io.grow4j.transforms;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.transforms.steps.GrowthStep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Function;

/**
 * Which kinds of growth step a model accepts, for inspect: one sample step of each kind (the sizes doubled, one head
 * per group, one layer, 4 experts with top-2) put to the plan validator on the model's config, so the verdicts and
 * reasons are the validator's own ({@link GrowthPlan#problems}); no rule is restated here.
 */
public final class AcceptedSteps {
    /** A sample step and the validator's reasons for refusing it (empty: accepted). */
    public record Verdict(String kind, String sample, List<String> reasons) {
        public boolean accepted() {
            return reasons.isEmpty();
        }
    }

    /** Plan-file fields of each kind's sample step; kinds missing here are reported as not probed. */
    private static final Map<String, Function<TransformerConfig, SequencedMap<String, Integer>>> SAMPLES = Map.of(
            "mlp", c -> fields("size", 2 * c.mlp().size()),
            "heads", c -> fields("add", c.attention().queriesPerGroup()),
            "head_dim", c -> fields("size", 2 * c.attention().keySize()),
            "head_key", c -> fields("size", 2 * c.attention().keySize()),
            "head_value", c -> fields("size", 2 * c.attention().valueSize()),
            "hidden", c -> fields("size", 2 * c.hidden()),
            "layers", c -> fields("add", 1),
            "moe", c -> fields("experts", 4, "top_k", 2));

    private AcceptedSteps() {
    }

    /** One verdict per step kind of the plan vocabulary ({@link StepType#ALL}), in its order. */
    public static List<Verdict> of(TransformerConfig config) {
        return validated(config);
    }

    /**
     * As {@link #of(TransformerConfig)} on {@code source}'s config, and a step the validator accepts is refused too
     * where {@code output} cannot write what it grows {@code source} into ({@link ModelFormat#writeProblems(Model,
     * TransformerConfig)}, prefixed "as FORMAT: "), so a step listed as accepted is one grow accepts: a GGUF file
     * grown into a GGUF file meets llama.cpp's limits, a Hugging Face directory grown into a directory its config
     * class's (GPT-NeoX's head size hidden / heads, Mixtral without partial rotary), with the source's carried
     * config.json. Null {@code output}: the validator alone.
     */
    public static List<Verdict> of(Model source, ModelFormat output) {
        TransformerConfig config = source.config();
        List<Verdict> verdicts = new ArrayList<>();
        for (Verdict v : validated(config)) {
            if (!v.accepted() || output == null || v.sample().isEmpty()) {
                verdicts.add(v);
                continue;
            }
            GrowthStep step = step(StepType.ALL.stream().filter(t -> t.name().equals(v.kind())).findFirst()
                    .orElseThrow(), SAMPLES.get(v.kind()).apply(config), new ArrayList<>());
            List<String> reasons = output.writeProblems(source, step.apply(config)).stream()
                    .map(p -> "as " + output.name() + ": " + p).toList();
            verdicts.add(new Verdict(v.kind(), v.sample(), reasons));
        }
        return verdicts;
    }

    private static List<Verdict> validated(TransformerConfig config) {
        List<Verdict> verdicts = new ArrayList<>();
        for (StepType type : StepType.ALL) {
            var sample = SAMPLES.get(type.name());
            if (sample == null) {
                verdicts.add(new Verdict(type.name(), "", List.of("not probed (inspect has no sample of this kind)")));
                continue;
            }
            SequencedMap<String, Integer> fields = sample.apply(config);
            verdicts.add(new Verdict(type.name(), describe(fields), reasons(config, type, fields)));
        }
        return verdicts;
    }

    private static List<String> reasons(TransformerConfig config, StepType type, SequencedMap<String, Integer> fields) {
        List<String> parseProblems = new ArrayList<>();
        GrowthStep step = step(type, fields, parseProblems);
        if (!parseProblems.isEmpty()) {
            return parseProblems;
        }
        GrowthPlan plan = new GrowthPlan(0, List.of(step));
        String label = plan.label(0) + ": ";
        return plan.problems(config).stream().map(p -> p.startsWith(label) ? p.substring(label.length()) : p).toList();
    }

    private static GrowthStep step(StepType type, SequencedMap<String, Integer> fields, List<String> parseProblems) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        fields.forEach(node::put);
        return type.factory().apply(new StepFields(type.name(), node, parseProblems));
    }

    private static SequencedMap<String, Integer> fields(Object... keysAndValues) {
        SequencedMap<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], (Integer) keysAndValues[i + 1]);
        }
        return m;
    }

    /** "{size: 344}", as a plan file would write the step's fields. */
    private static String describe(SequencedMap<String, Integer> fields) {
        List<String> parts = new ArrayList<>();
        fields.forEach((k, v) -> parts.add(k + ": " + v));
        return "{" + String.join(", ", parts) + "}";
    }
}
