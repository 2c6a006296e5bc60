package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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
        assertEquals(List.of(), plan.problems(config), name + " is accepted");
        assertEquals(List.of(), FORMAT.writeProblems(plan.apply(config)), name + ": the grown config is writable");
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);

        Model original = RandomModels.create(config, DType.F64, 31);
        Model grown = GROWER.grow(original, plan);
        double direct = Logits.maxDiffDouble(original, grown, tokens);
        double reread = Logits.maxDiffDouble(original, writeAndRead(dir, grown, "f64"), tokens);
        assertTrue(direct <= 1e-12 && reread <= 1e-12, name + ": logits moved by " + direct + " (in memory), "
                + reread + " (written and re-read)");

        Model single = RandomModels.create(config, DType.F32, 32);
        Model rereadSingle = writeAndRead(dir, GROWER.grow(single, plan), "f32");
        assertEquals(DType.F32, rereadSingle.dtype());
        double[] d = Logits.maxDiffFloat(single, rereadSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], name + ": single precision moved by " + d[0] + " (largest " + d[1] + ")");
    }

    private static Model writeAndRead(Path dir, Model model, String kind) throws IOException {
        Path out = dir.resolve(model.config().architecture().id() + "-" + kind + "-" + System.nanoTime());
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
