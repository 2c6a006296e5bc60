package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;

import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The check every family's growth test makes of an accepted plan, through the family's Hugging Face directory: the
 * plan is accepted and its grown config writable; the logits of a random F64 model move by ≤ 1e-12 in double, in
 * memory and after writing and re-reading; those of a random F32 model by ≤ 1e-5 of the largest in single precision
 * after writing and re-reading (DESIGN 4).
 */
final class FamilyPreservation {
    static final Grower GROWER = new Grower(new CpuPadKernel());
    static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    private FamilyPreservation() {
    }

    static void assertPreserved(Path dir, String name, TransformerConfig config, GrowthPlan plan) throws IOException {
        assertPreserved(dir, name, config, plan, true);
    }

    /**
     * The same bounds, after writing and re-reading the directory only when {@code throughDirectory} (a family whose
     * directory cannot hold the grown model, e.g. a qwen2 upcycled in memory, is checked in memory alone).
     */
    static void assertPreserved(Path dir, String name, TransformerConfig config, GrowthPlan plan,
                                boolean throughDirectory) throws IOException {
        assertEquals(List.of(), plan.problems(config), name + " is accepted");
        if (throughDirectory) {
            assertEquals(List.of(), FORMAT.writeProblems(plan.apply(config)), name + ": the grown config is writable");
        }
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);

        Model original = RandomModels.create(config, DType.F64, 31);
        Model grown = GROWER.grow(original, plan);
        double direct = Logits.maxDiffDouble(original, grown, tokens);
        assertTrue(direct <= 1e-12, name + ": logits moved by " + direct + " in memory");
        if (throughDirectory) {
            double reread = Logits.maxDiffDouble(original, writeAndRead(dir, grown, "f64"), tokens);
            assertTrue(reread <= 1e-12, name + ": logits moved by " + reread + " after writing and re-reading");
        }

        Model single = RandomModels.create(config, DType.F32, 32);
        Model grownSingle = GROWER.grow(single, plan);
        if (throughDirectory) {
            grownSingle = writeAndRead(dir, grownSingle, "f32");
            assertEquals(DType.F32, grownSingle.dtype());
        }
        double[] d = Logits.maxDiffFloat(single, grownSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], name + ": single precision moved by " + d[0] + " (largest " + d[1] + ")");
    }

    /** Whether a Hugging Face directory can hold what {@code plan} makes of {@code config}. */
    static boolean directoryHolds(TransformerConfig config, GrowthPlan plan) {
        return FORMAT.writeProblems(plan.apply(config)).isEmpty();
    }

    /**
     * One case per config and step, named "family [tied] [biased] step": every paper step the decoder families
     * accept (MLP, heads per group and whole groups, hidden, head size ×2 and ×3, a layer first and two last), then
     * {@code extra}.
     */
    static Stream<Arguments> everyStep(List<TransformerConfig> configs, List<GrowthStep> extra) {
        List<Arguments> cases = new ArrayList<>();
        for (TransformerConfig c : configs) {
            String family = c.architecture().id() + (c.tiedEmbeddings() ? " tied" : "")
                    + (c.attention().bias() ? " biased" : "");
            int k = c.attention().keySize();
            List<GrowthStep> steps = new ArrayList<>(List.of(new MlpExpansion(c.mlp().size() + 8),
                    new HeadAddition(c.attention().queriesPerGroup(), false),
                    new HeadAddition(c.attention().kvHeads(), true),
                    new HiddenExpansion(c.hidden() + 8), new HeadDimExpansion(2 * k), new HeadDimExpansion(3 * k),
                    new LayerAddition(1, List.of(0)), new LayerAddition(2, List.of())));
            steps.addAll(extra);
            for (GrowthStep step : steps) {
                cases.add(Arguments.of(family + " " + step, c, step));
            }
        }
        return cases.stream();
    }

    /** Three seeded random chains of three accepted steps per config keep the logits. */
    static void assertChainsPreserved(Path dir, List<TransformerConfig> configs, long seed) throws IOException {
        Random random = new Random(seed);
        for (TransformerConfig c : configs) {
            for (int chain = 0; chain < 3; chain++) {
                List<GrowthStep> steps = RandomSteps.chain(c, 3, random);
                assertPreserved(dir, c.architecture().id() + " chain " + steps, c, new GrowthPlan(chain, steps));
            }
        }
    }

    private static Model writeAndRead(Path dir, Model model, String kind) throws IOException {
        Path out = dir.resolve(model.config().architecture().id() + "-" + kind + "-" + System.nanoTime());
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
