package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.Llama2cFormat;
import io.grow4j.transforms.stream.StreamOptions;
import io.grow4j.transforms.stream.StreamProgress;
import io.grow4j.transforms.stream.StreamingGrower;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Llama-3.1-shaped GGUF (rope_freqs.weight holding llama3's per-pair divisors, as llama.cpp's converter writes them)
 * grown by head size × 2, heads, MLP, hidden and layers: exact after writing and re-reading, at positions past the
 * llama3 original context, in memory and streamed (bit-identical files).
 */
class GgufRopeFreqsGrowthTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final GgufFormat GGUF = new GgufFormat();
    private static final int SEQUENCE = 72;

    @TempDir
    Path dir;

    /** llama3 (factor 8, original 32) turned into float32 divisors, as a converted Llama 3.1 GGUF holds them. */
    static RopeScaling.FrequencyDivisors llama31Divisors(double theta, int headSize) {
        RopeScaling llama3 = new RopeScaling.Llama3(8, 1, 4, 32);
        double[] plain = RopeFrequencies.plain(theta, headSize).inverseFrequencies(0);
        double[] scaled = new RopeFrequencies(theta, llama3, headSize, 128).inverseFrequencies(0);
        List<Double> divisors = new ArrayList<>();
        for (int i = 0; i < plain.length; i++) {
            divisors.add((double) (float) (plain[i] / scaled[i]));
        }
        return new RopeScaling.FrequencyDivisors(divisors);
    }

    static TransformerConfig llama31(DType dtype) {
        return new TransformerConfig(Architecture.LLAMA, 41, 24, 2, 128,
                new AttentionConfig(4, 2, 8, 8, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
                new Positions.Rope(500000, RopeLayout.INTERLEAVED, llama31Divisors(500000, 8)), false);
    }

    private Path source(DType dtype, long seed) throws IOException {
        Path file = dir.resolve("llama31-" + dtype + ".gguf");
        GGUF.write(RandomModels.create(llama31(dtype), dtype, seed), file);
        return file;
    }

    @Test
    void everyStepIsExactPastTheOriginalContext() throws IOException {
        Model original = GGUF.read(source(DType.F64, 5));
        assertTrue(((Positions.Rope) original.config().positions()).scaling()
                instanceof RopeScaling.FrequencyDivisors, "rope_freqs.weight read as divisors");
        GrowthPlan plan = new GrowthPlan(3, RopeScalingGrowthTest.plan(original.config()));
        assertEquals(List.of(), plan.problems(original.config()));
        Path grownFile = dir.resolve("grown.gguf");
        GGUF.write(GROWER.grow(original, plan), grownFile);
        Model reread = GGUF.read(grownFile);
        RopeScaling.FrequencyDivisors divisors = (RopeScaling.FrequencyDivisors)
                ((Positions.Rope) reread.config().positions()).scaling();
        assertEquals(8, divisors.divisors().size(), "head size 16 has 8 pairs");
        int[] tokens = Logits.randomTokens(original.config().vocabSize(), SEQUENCE, 3);
        double diff = Logits.maxDiffDouble(original, reread, tokens);
        assertTrue(diff <= 1e-12, "grown GGUF changed logits by " + diff);

        Model single = GGUF.read(source(DType.F32, 6));
        Path grownSingle = dir.resolve("grown-f32.gguf");
        GGUF.write(GROWER.grow(single, plan), grownSingle);
        double[] d = Logits.maxDiffFloat(single, GGUF.read(grownSingle), tokens);
        assertTrue(d[0] <= 1e-5 * d[1], "single precision changed by " + d[0] + " (largest " + d[1] + ")");
    }

    /** The divisors matter: dropping them changes the logits past the original context. */
    @Test
    void theDivisorsAreApplied() throws IOException {
        Model original = GGUF.read(source(DType.F64, 5));
        Model plain = original.derive(original.config().withPositions(
                new Positions.Rope(500000, RopeLayout.INTERLEAVED)), original.tensors());
        double diff = Logits.maxDiffDouble(original, plain, Logits.randomTokens(41, SEQUENCE, 3));
        assertTrue(diff > 1e-3, "divisors made no difference: " + diff);
    }

    @Test
    void streamedGrowthWritesTheSameFile() throws IOException {
        Path in = source(DType.F32, 7);
        GrowthPlan plan = new GrowthPlan(3, RopeScalingGrowthTest.plan(llama31(DType.F32)));
        Path memory = dir.resolve("memory.gguf");
        GGUF.write(GROWER.grow(GGUF.read(in), plan), memory);
        Path streamed = dir.resolve("streamed.gguf");
        new StreamingGrower(new CpuPadKernel(), new StreamOptions(Long.MAX_VALUE, 1L << 20))
                .growGguf(in, plan, streamed, StreamProgress.NONE);
        assertArrayEquals(Files.readAllBytes(memory), Files.readAllBytes(streamed));
    }

    /** llama2.c's header has no place for RoPE scaling: refused with the reason. */
    @Test
    void llama2cRefusesScaledRope() {
        List<String> problems = new Llama2cFormat().writeProblems(llama31(DType.F32));
        assertTrue(problems.stream().anyMatch(p -> p.contains("llama2.c's header has no RoPE scaling")),
                problems.toString());
    }
}
