package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.NeoxConfigs;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * inspect names the block parts (norm placement, QK-norm, RoPE scaling, experts) and which growth steps the model
 * accepts, with the plan validator's reason for each refused one.
 */
class InspectAcceptedStepsTest {
    @TempDir
    Path dir;

    @Test
    void llamaWithLlama3RopeAcceptsThePaperStepsAndUpcyclingButNotOneSidedHeadSizes() throws IOException {
        TransformerConfig llama = config(Architecture.LLAMA, 1e-5).withPositions(new Positions.Rope(500000,
                RopeLayout.INTERLEAVED, new RopeScaling.Llama3(8, 1, 4, 16)));
        Path file = dir.resolve("llama3.gguf");
        new GgufFormat().write(RandomModels.create(llama, DType.F32, 1), file);
        List<String> lines = inspect(file);
        assertTrue(lines.contains("accepts      mlp {size: 80}, heads {add: 2}, head_dim {size: 16}, hidden {size: 64},"
                + " layers {add: 1}, moe {experts: 4, top_k: 2}"), String.join("\n", lines));
        assertTrue(lines.contains("refuses      head_key {size: 16}: head_key alone is not possible on llama: queries,"
                + " keys and values share one head size there; use head_dim to grow both"), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("positions    RoPE, theta 500000.0, interleaved pairs,"
                + " scaling ")), String.join("\n", lines));
        assertTrue(lines.contains("norm         RMSNorm, before each block, eps 1.0E-5"), String.join("\n", lines));
    }

    @Test
    void olmo2WithoutEpsilonRefusesLayersWithTheValidatorsReason() throws IOException {
        Path model = dir.resolve("olmo2");
        new HfDirectoryFormat().write(RandomModels.create(config(Architecture.OLMO2, 0.0), DType.F32, 2), model);
        List<String> lines = inspect(model);
        String all = String.join("\n", lines);
        assertTrue(lines.contains("norm         RMSNorm, after each branch, inside the residual, eps 0.0"), all);
        assertTrue(lines.contains("attention    causal, QK-norm over the whole projection"), all);
        assertTrue(all.contains("layers {add: 1}: olmo2 norms each branch's output inside the residual; a new block's"
                + " zero branch is normed to 0 only when epsilon > 0, and this model's rms_norm_eps is 0.0"), all);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("accepts") && l.contains("layers")), all);
    }

    @Test
    void aMixtureOfExpertsRefusesUpcyclingAgain() throws IOException {
        TransformerConfig moe = config(Architecture.MIXTRAL, 1e-5);
        Path file = dir.resolve("moe.gguf");
        new GgufFormat().write(RandomModels.create(moe, DType.F32, 3), file);
        List<String> lines = inspect(file);
        String all = String.join("\n", lines);
        assertTrue(lines.contains("mlp          4 experts of 40 (swiglu), top-2 routed"), all);
        assertTrue(lines.stream().anyMatch(l -> l.contains("moe {experts: 4, top_k: 2}: ")
                && !l.startsWith("accepts")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("accepts      mlp {size: 80}")), all);
    }

    /**
     * inspect on a directory asks what grow asks, the directory writer's refusals included (a fresh tester found
     * gpt_neox's heads and hidden steps and phi3's upcycling listed as accepted, then refused by grow): every step it
     * lists as accepted grows (exit 0), and every step it refuses "as hf-directory" is refused by grow with the same
     * reason (exit 2, nothing written).
     */
    @Test
    void everyStepInspectAcceptsOnADirectoryGrowsAndEveryWriterRefusalIsGrowsOwn() throws IOException {
        TransformerConfig phi3 = new TransformerConfig(Architecture.PHI3, 64, 32, 2, 64,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(48, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(1e4, RopeLayout.HALF_SPLIT, RopeScaling.NONE, 0.75), false);
        int refusedByWriter = 0;
        for (TransformerConfig config : List.of(NeoxConfigs.pythia(), phi3)) {
            Path model = dir.resolve(config.architecture().id());
            new HfDirectoryFormat().write(RandomModels.create(config, DType.F32, 4), model);
            List<String> lines = inspect(model);
            String all = String.join("\n", lines);
            String accepts = lines.stream().filter(l -> l.startsWith("accepts      ")).findFirst().orElseThrow();
            for (String step : accepts.substring(13).split(", (?=[a-z_]+ \\{)")) {
                Cli grow = grow(model, step);
                assertEquals(0, grow.exitCode(), step + " listed as accepted:\n" + all + "\n" + grow.err());
            }
            for (String line : lines.stream().dropWhile(l -> !l.startsWith("refuses")).toList()) {
                int reason = line.indexOf(": as hf-directory: ");
                if (!line.startsWith(" ") && !line.startsWith("refuses") || reason < 0) {
                    continue;
                }
                refusedByWriter++;
                Cli grow = grow(model, line.substring(13, reason));
                assertEquals(2, grow.exitCode(), line + "\n" + grow.out());
                String first = line.substring(reason + ": as hf-directory: ".length()).split("; as hf-directory: ")[0];
                assertTrue(grow.err().contains(first), line + "\n" + grow.err());
            }
        }
        // gpt_neox: heads alone and hidden alone; phi3: moe (mixtral has no partial rotary)
        assertTrue(refusedByWriter >= 3, "steps refused by the directory writer: " + refusedByWriter);
    }

    /** grow MODEL with the one step "kind {fields}" into a fresh directory. */
    private Cli grow(Path model, String step) throws IOException {
        String kind = step.substring(0, step.indexOf(' '));
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 3\nsteps:\n  - " + kind + ": "
                + step.substring(kind.length() + 1) + "\n");
        Path out = dir.resolve("grown-" + model.getFileName() + "-" + kind);
        return Cli.run("grow", model.toString(), "--plan", plan.toString(), "--out", out.toString());
    }

    private static TransformerConfig config(Architecture architecture, double eps) {
        MlpConfig mlp = new MlpConfig(40, Activation.SWIGLU, false);
        return new TransformerConfig(architecture, 41, 32, 2, 32, new AttentionConfig(4, 2, 8, 8, false),
                architecture.mixtureOfExperts() ? mlp.withExperts(4, 2) : mlp, eps, new Positions.Rope(10000,
                architecture == Architecture.OLMO2 ? RopeLayout.HALF_SPLIT : RopeLayout.INTERLEAVED), false);
    }

    private static List<String> inspect(Path model) {
        Cli run = Cli.run("inspect", model.toString());
        assertEquals(0, run.exitCode(), run.err());
        return run.out().lines().toList();
    }
}
