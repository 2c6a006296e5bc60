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
 * DESIGN 4's bounds for one plan on random models: ≤ 1e-12 in double from F64 weights, ≤ 1e-5 relative in single
 * precision from F32 weights, in memory and, when asked, after writing and re-reading a Hugging Face directory.
 */
final class Preserved {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    private Preserved() {
    }

    static void assertPreserved(Path dir, String name, TransformerConfig config, GrowthPlan plan,
                                boolean throughDirectory) throws IOException {
        assertEquals(List.of(), plan.problems(config), name + " is accepted");
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 3);
        Model original = RandomModels.create(config, DType.F64, 31);
        Model grown = GROWER.grow(original, plan);
        double direct = Logits.maxDiffDouble(original, grown, tokens);
        assertTrue(direct <= 1e-12, name + ": outputs moved by " + direct + " in memory");
        Model single = RandomModels.create(config, DType.F32, 32);
        Model grownSingle = GROWER.grow(single, plan);
        if (throughDirectory) {
            double reread = Logits.maxDiffDouble(original, writeAndRead(dir, grown), tokens);
            assertTrue(reread <= 1e-12, name + ": outputs moved by " + reread + " after writing and re-reading");
            grownSingle = writeAndRead(dir, grownSingle);
            assertEquals(DType.F32, grownSingle.dtype());
        }
        double[] d = Logits.maxDiffFloat(single, grownSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], name + ": single precision moved by " + d[0] + " (largest " + d[1] + ")");
    }

    /** Whether a Hugging Face directory can hold what {@code plan} makes of {@code config}. */
    static boolean directoryHolds(TransformerConfig config, GrowthPlan plan) {
        return FORMAT.writeProblems(plan.apply(config)).isEmpty();
    }

    private static Model writeAndRead(Path dir, Model model) throws IOException {
        Path out = dir.resolve(model.config().architecture().id() + "-" + model.dtype() + "-" + System.nanoTime());
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
