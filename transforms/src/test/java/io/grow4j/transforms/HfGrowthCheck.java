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
 * The done-when check of every Hugging Face family (issue #9), in one place for all the family tests: a step or chain
 * is accepted, its grown config is writable, and a random model keeps its logits after growing, writing and reading
 * back, within the core bounds (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative in single precision from F32
 * files, which stay F32).
 */
final class HfGrowthCheck {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    private HfGrowthCheck() {
    }

    /** {@code dir}: a scratch folder for the written directories; {@code name} heads every failure message. */
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
