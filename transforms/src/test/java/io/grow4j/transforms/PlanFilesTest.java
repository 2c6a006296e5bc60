package io.grow4j.transforms;

import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanFilesTest {
    private static final String EXAMPLE = """
            seed: 7
            steps:
              - mlp: {size: 256}
              - heads: {add: 2}
              - head_dim: {size: 16}
              - hidden: {size: 96}
              - layers: {add: 2, at: [0, 4]}
            """;

    @Test
    void parsesTheDocumentedExample() {
        GrowthPlan plan = PlanFiles.parse(EXAMPLE, "plan.yaml");
        assertEquals(7, plan.seed());
        assertEquals(List.of(new MlpExpansion(256), new HeadAddition(2, false), new HeadDimExpansion(16),
                new HiddenExpansion(96), new LayerAddition(2, List.of(0, 4))), plan.steps());
    }

    @Test
    void roundTripsThroughYaml() {
        GrowthPlan plan = PlanFiles.parse(EXAMPLE + "  - heads: {add: 4, per_group: true}\n  - head_key: {size: 32}\n"
                + "  - head_value: {size: 64}\n  - layers: {add: 1}\n", "plan.yaml");
        String yaml = PlanFiles.toYaml(plan);
        assertTrue(yaml.contains("version: 1"), yaml);
        assertEquals(plan, PlanFiles.parse(yaml, "again.yaml"));
    }

    @Test
    void reportsEveryProblemTogether() {
        String bad = """
                seed: x
                colour: blue
                steps:
                  - mlp: {size: 256, width: 3}
                  - grow_everything: {}
                  - hidden: {}
                  - heads: {add: two}
                  - layers: {add: 1, at: 3}
                """;
        PlanException e = assertThrows(PlanException.class, () -> PlanFiles.parse(bad, "bad.yaml"));
        List<String> p = e.problems();
        assertEquals(7, p.size(), String.join("\n", p));
        assertTrue(p.contains("bad.yaml: unknown field 'colour' (known: seed, steps, version)"), p.toString());
        assertTrue(p.contains("bad.yaml: seed must be an integer, got \"x\""), p.toString());
        assertTrue(p.contains("step 1 (mlp): unknown field 'width' (allowed: init, noise, size)"), p.toString());
        assertTrue(p.get(3).startsWith("step 2: unknown step 'grow_everything' (known: mlp, heads,"), p.toString());
        assertTrue(p.contains("step 3 (hidden): missing field 'size'"), p.toString());
        assertTrue(p.contains("step 4 (heads): add must be an integer, got 'two'"), p.toString());
        assertTrue(p.contains("step 5 (layers): at must be a list of integers, got 3"), p.toString());
    }

    /** Issue 8 fault 5: the second 'size' used to win silently. */
    @Test
    void duplicateKeysAreRefused() {
        PlanException e = assertThrows(PlanException.class,
                () -> PlanFiles.parse("seed: 1\nsteps:\n  - mlp: {size: 64, size: 128}\n", "dup.yaml"));
        assertTrue(e.getMessage().startsWith("dup.yaml: malformed YAML: Duplicate field 'size'"), e.getMessage());
        e = assertThrows(PlanException.class,
                () -> PlanFiles.parse("seed: 1\nseed: 2\nsteps:\n  - mlp: {size: 64}\n", "dup.yaml"));
        assertTrue(e.getMessage().contains("Duplicate field 'seed'"), e.getMessage());
    }

    /** Issue 8 fault 5: everything after the first document used to be ignored. */
    @Test
    void aSecondDocumentIsRefused() {
        String two = "seed: 1\nsteps:\n  - mlp: {size: 64}\n---\nseed: 2\nsteps:\n  - layers: {add: 1}\n";
        PlanException e = assertThrows(PlanException.class, () -> PlanFiles.parse(two, "two.yaml"));
        assertTrue(e.getMessage().startsWith("two.yaml: holds more than one YAML document"), e.getMessage());
        assertEquals(1, PlanFiles.parse("---\nseed: 1\nsteps:\n  - mlp: {size: 64}\n", "one.yaml").steps().size(),
                "one document with an explicit start marker is fine");
    }

    @Test
    void malformedYamlNamesTheLine() {
        PlanException e = assertThrows(PlanException.class,
                () -> PlanFiles.parse("seed: 1\nsteps:\n  - mlp: {size: 3\n", "broken.yaml"));
        assertTrue(e.getMessage().startsWith("broken.yaml: malformed YAML"), e.getMessage());
        assertTrue(e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void emptyOrMissingStepsIsAnError() {
        assertThrows(PlanException.class, () -> PlanFiles.parse("seed: 1\n", "p.yaml"));
        assertThrows(PlanException.class, () -> PlanFiles.parse("seed: 1\nsteps: []\n", "p.yaml"));
        assertThrows(PlanException.class, () -> PlanFiles.parse("- mlp: {size: 3}\n", "p.yaml"));
    }

    @Test
    void rejectsAnotherVersion() {
        PlanException e = assertThrows(PlanException.class,
                () -> PlanFiles.parse("version: 2\nsteps:\n  - mlp: {size: 3}\n", "p.yaml"));
        assertTrue(e.getMessage().contains("unsupported plan version 2"), e.getMessage());
    }
}
