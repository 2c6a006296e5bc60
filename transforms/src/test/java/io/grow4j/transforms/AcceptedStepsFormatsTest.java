package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.ModelFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What inspect lists as accepted is what grow accepts: for a model of every family read back from a Hugging Face
 * directory and from a GGUF file (where the format writes it), every sample step {@link AcceptedSteps} accepts grows
 * and writes in the same format, and every one it refuses for the format's sake is refused by that writer too.
 */
class AcceptedStepsFormatsTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    @TempDir
    Path dir;

    private static List<TransformerConfig> families() {
        return Stream.concat(InitialisationTest.families().stream(), Stream.of(NeoxConfigs.pythia(),
                NeoxConfigs.pythia(false, 0.5, true, false))).toList();
    }

    @Test
    void everyAcceptedStepWritesAndEveryFormatRefusalIsTheWritersOwn() throws IOException {
        int accepted = 0;
        int refusedByFormat = 0;
        for (ModelFormat format : List.of(new HfDirectoryFormat(), new GgufFormat())) {
            for (TransformerConfig config : families()) {
                if (!format.writeProblems(config).isEmpty()) {
                    continue;
                }
                String name = format.name() + " " + config.architecture().id() + "-" + Math.abs(config.hashCode());
                Path file = dir.resolve(name.replace(' ', '-') + (format instanceof GgufFormat ? ".gguf" : ""));
                format.write(RandomModels.create(config, DType.F32, 3), file);
                Model source = format.read(file);
                for (AcceptedSteps.Verdict v : AcceptedSteps.of(source, format)) {
                    if (v.sample().isEmpty()) {
                        continue;
                    }
                    GrowthPlan plan = PlanFiles.parse("seed: 5\nsteps:\n  - " + v.kind() + ": " + v.sample() + "\n",
                            name);
                    String what = name + " " + v.kind() + " " + v.sample() + ": " + v.reasons();
                    boolean formatsOwn = !v.reasons().isEmpty() && v.reasons().stream()
                            .allMatch(r -> r.startsWith("as " + format.name() + ": "));
                    if (v.accepted()) {
                        accepted++;
                        Model grown = GROWER.grow(source, plan);
                        Path out = dir.resolve("grown-" + accepted + (format instanceof GgufFormat ? ".gguf" : ""));
                        format.write(grown, out);
                        assertEquals(grown.config().parameterCount(), format.read(out).config().parameterCount(),
                                what);
                    } else if (formatsOwn) {
                        refusedByFormat++;
                        assertEquals(List.of(), plan.problems(source.config()), what);
                        Model grown = GROWER.grow(source, plan);
                        assertThrows(IllegalArgumentException.class, () -> format.write(grown,
                                dir.resolve("refused" + (format instanceof GgufFormat ? ".gguf" : ""))), what);
                    }
                }
            }
        }
        assertTrue(accepted > 100, "accepted samples: " + accepted);
        assertTrue(refusedByFormat > 0, "refusals by a format: " + refusedByFormat);
    }

    /**
     * A fresh tester's cases: GPTNeoXConfig derives the head size (hidden / heads), so heads or hidden alone cannot
     * be written as a directory; Mixtral (phi3 upcycled) has no partial rotary.
     */
    @Test
    void directoryRefusalsAreListedWithTheWritersReason() throws IOException {
        HfDirectoryFormat format = new HfDirectoryFormat();
        List<String> neox = refusals(format, NeoxConfigs.pythia(), "neox");
        assertTrue(neox.stream().anyMatch(r -> r.startsWith("heads {add: 1}: as hf-directory: ")
                && r.contains("hidden_size / num_attention_heads")), String.join("\n", neox));
        assertTrue(neox.stream().anyMatch(r -> r.startsWith("hidden {size: 64}: as hf-directory: ")), String.join(
                "\n", neox));
        List<String> phi = refusals(format, PhiSmolFamiliesTest.phi3(false, false), "phi3");
        assertTrue(phi.stream().anyMatch(r -> r.startsWith("moe {experts: 4, top_k: 2}: as hf-directory: ")),
                String.join("\n", phi));
    }

    /** "kind sample: reason; reason" of every sample step refused on the model of {@code config} read back. */
    private List<String> refusals(ModelFormat format, TransformerConfig config, String name) throws IOException {
        Path file = dir.resolve(name);
        format.write(RandomModels.create(config, DType.F32, 3), file);
        List<String> refused = new ArrayList<>();
        for (AcceptedSteps.Verdict v : AcceptedSteps.of(format.read(file), format)) {
            if (!v.accepted()) {
                refused.add(v.kind() + " " + v.sample() + ": " + String.join("; ", v.reasons()));
            }
        }
        return refused;
    }
}
