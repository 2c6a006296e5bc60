package io.grow4j.cli;

import io.grow4j.cli.llamacpp.LlamaCpp;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.grow4j.cli.LlamaCppGrowthTest.grow4jIds;
import static io.grow4j.cli.LlamaCppGrowthTest.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp (b4916 through de.kherud:llama 4.2.0, forked JVM, KV cache in F32) runs grow4j's qwen2moe files: a random
 * Qwen2-MoE model and the same model grown by every kind of step give the same greedy ids in llama.cpp and in grow4j,
 * and a qwen2 file upcycled through the CLI with norm_topk_prob false gives the dense file's ids. Hidden stays at
 * heads × head size: the bundled qwen2moe loader expects attn_q to be [hidden, hidden].
 */
class LlamaCppQwen2MoeTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final GgufFormat GGUF = new GgufFormat();
    private static final int STEPS = 24;

    @TempDir
    static Path dir;

    @Test
    void aGrownQwen2MoeFileKeepsItsGreedyIdsInLlamaCpp() throws Exception {
        TransformerConfig config = qwen2(32, 8).withArchitecture(Architecture.QWEN2_MOE,
                new MlpConfig(24, Activation.SWIGLU, false, 4, 2, 40, false));
        Path original = dir.resolve("qwen2moe.gguf");
        int[] reference = new int[0];
        // llama.cpp stops after EOS (id 2 in the placeholder vocabulary) where grow4j goes on: the first seed whose
        // ids do not reach it compares all STEPS ids
        for (int seed = 17; seed < 27 && reference.length < STEPS; seed++) {
            GGUF.write(RandomModels.create(config, DType.F32, seed), original);
            reference = grow4jIds(original, STEPS);
            reference = Arrays.stream(reference).anyMatch(id -> id == 2) ? new int[0] : reference;
        }
        assertEquals(STEPS, reference.length, "every seed reaches EOS within " + STEPS + " ids");
        assertEquals(ids(reference), ids(LlamaCpp.greedy(original, STEPS).idsOrFail()), "original");

        GrowthPlan plan = new GrowthPlan(11, List.of(new MlpExpansion(32), new HeadAddition(2, false),
                new HeadDimExpansion(16), new HiddenExpansion(6 * 16), new LayerAddition(1, List.of(0))));
        assertEquals(List.of(), plan.problems(config));
        Path grown = dir.resolve("qwen2moe-grown.gguf");
        GGUF.write(GROWER.grow(GGUF.read(original), plan), grown);
        assertEquals(ids(reference), ids(LlamaCpp.greedy(grown, STEPS).idsOrFail()), "grown by " + plan);
    }

    @Test
    void aQwen2FileUpcycledWithoutRenormalisationKeepsItsGreedyIdsInLlamaCpp() throws Exception {
        Path dense = dir.resolve("qwen2.gguf");
        GGUF.write(RandomModels.create(qwen2(32, 8), DType.F32, 23), dense);
        int[] reference = LlamaCpp.greedy(dense, STEPS).idsOrFail();
        assertTrue(reference.length >= STEPS / 2, "llama.cpp stopped early: " + ids(reference));
        for (String moe : List.of("{experts: 4, top_k: 2, norm_topk_prob: false}",
                "{experts: 6, top_k: 4, norm_topk_prob: false}")) {
            Path plan = Files.writeString(dir.resolve("upcycle.yaml"), "seed: 3\nsteps:\n  - moe: " + moe + "\n");
            Path out = dir.resolve("qwen2-upcycled-" + moe.hashCode() + ".gguf");
            Cli grow = Cli.run("grow", dense.toString(), "--plan", plan.toString(), "--out", out.toString());
            assertEquals(0, grow.exitCode(), grow.out() + grow.err());
            assertEquals(Architecture.QWEN2_MOE, GGUF.read(out).config().architecture());
            assertEquals(ids(reference), ids(LlamaCpp.greedy(out, STEPS).idsOrFail()), moe);
        }
    }

    /** Upcycling with qwen2_moe's renormalised routing cannot be written as a file llama.cpp would run alike. */
    @Test
    void aRenormalisedUpcyclingIntoGgufIsRefusedWithTheReason() throws Exception {
        Path dense = dir.resolve("qwen2-refused.gguf");
        GGUF.write(RandomModels.create(qwen2(32, 8), DType.F32, 23), dense);
        Path plan = Files.writeString(dir.resolve("renormalised.yaml"),
                "steps:\n  - moe: {experts: 4, top_k: 2}\n");
        Path out = dir.resolve("refused-out.gguf");
        Cli grow = Cli.run("grow", dense.toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, grow.exitCode(), grow.out() + grow.err());
        assertTrue(grow.err().contains("build_moe_ffn with norm_w false"), grow.err());
        assertTrue(Files.notExists(out));
    }

    private static TransformerConfig qwen2(int hidden, int headSize) {
        return new TransformerConfig(Architecture.QWEN2, 61, hidden, 2, 64,
                new AttentionConfig(hidden / headSize, 2, headSize, headSize, true, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                false);
    }
}
