package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Positions;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.steps.ExpertUpcycling;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dense-to-MoE upcycling streamed: a llama or qwen2 directory becomes a mixtral or qwen2_moe directory whose
 * per-expert tensors are slices of each stacked tensor, and a llama or qwen2 GGUF file becomes a GGUF file with
 * experts; either is byte for byte what reading, growing in memory and writing gives (F32 and BF16, alone and in
 * chains, sharded). Memory stays bounded by the largest tensor, not the model: a 16-expert upcycling in a child JVM
 * peaks well below the size of source and output.
 */
class StreamedUpcyclingTest {
    private static final HfDirectoryFormat DIRECTORY = new HfDirectoryFormat();
    private static final GgufFormat GGUF = new GgufFormat();
    private static final Grower GROWER = new Grower(new CpuPadKernel());

    static Stream<Arguments> directories() {
        TransformerConfig llama = StreamedMatchesInMemoryTest.llama(2);
        TransformerConfig qwen2 = StreamedMatchesInMemoryTest.qwen2();
        return Stream.of(
                Arguments.of("llama into 4 experts, f32", llama, DType.F32, plan(new ExpertUpcycling(4, 2))),
                Arguments.of("llama into 8 experts, bf16", llama, DType.BF16, plan(new ExpertUpcycling(8, 2))),
                Arguments.of("qwen2 into qwen2_moe, renormalised", qwen2, DType.F32, plan(new ExpertUpcycling(4, 2))),
                Arguments.of("qwen2 into qwen2_moe, not renormalised, bf16", qwen2, DType.BF16,
                        plan(new ExpertUpcycling(6, 4, false))),
                Arguments.of("layer, experts, then mlp and hidden", llama, DType.F32,
                        plan(new LayerAddition(1, List.of(1)), new ExpertUpcycling(4, 2), new MlpExpansion(56),
                                new HiddenExpansion(32))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directories")
    void aStreamedUpcycledDirectoryIsTheInMemoryOne(String name, TransformerConfig config, DType dtype,
            GrowthPlan plan, @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        DIRECTORY.write(RandomModels.create(config, dtype, 8), in);
        Path memory = tmp.resolve("memory");
        DIRECTORY.write(GROWER.grow(DIRECTORY.read(in), plan), memory);
        Path streamed = tmp.resolve("streamed");
        StreamResult result = grower(Long.MAX_VALUE).grow(in, plan, streamed, StreamProgress.NONE);
        assertEquals(plan.apply(config), result.config());
        for (String file : List.of("config.json", SafetensorsWriter.SINGLE)) {
            assertEquals(-1, Files.mismatch(memory.resolve(file), streamed.resolve(file)), name + ": " + file);
        }
    }

    /** Shards of 16 KiB split the experts over many files; read back, every tensor is the in-memory one. */
    @Test
    void aShardedStreamedUpcyclingReadsBackAsTheInMemoryModel(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        DIRECTORY.write(RandomModels.create(StreamedMatchesInMemoryTest.llama(2), DType.F32, 3), in);
        GrowthPlan plan = plan(new ExpertUpcycling(4, 2));
        Model memory = GROWER.grow(DIRECTORY.read(in), plan);
        Path streamed = tmp.resolve("streamed");
        StreamResult result = grower(16 << 10).grow(in, plan, streamed, StreamProgress.NONE);
        assertTrue(result.shards() > 4, "shards: " + result.shards());
        Model reread = DIRECTORY.read(streamed);
        assertEquals(memory.config(), reread.config());
        memory.tensors().forEach((key, t) -> assertEquals(-1, t.data().mismatch(reread.tensor(key).data()),
                key.toString()));
    }

    static Stream<Arguments> ggufs() {
        TransformerConfig llama = StreamedMatchesInMemoryTest.llama(2)
                .withPositions(new Positions.Rope(10000, RopeLayout.INTERLEAVED));
        return Stream.of(
                Arguments.of("llama into a llama file with experts", llama, plan(new ExpertUpcycling(4, 2))),
                Arguments.of("qwen2 into qwen2moe", StreamedMatchesInMemoryTest.qwen2(),
                        plan(new ExpertUpcycling(4, 2, false), new MlpExpansion(28))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ggufs")
    void aStreamedUpcycledGgufIsTheInMemoryOne(String name, TransformerConfig config, GrowthPlan plan,
            @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(config, DType.F32, 9), in);
        Path memory = tmp.resolve("memory.gguf");
        Model grown = GROWER.grow(GGUF.read(in), plan);
        assertTrue(grown.config().architecture().mixtureOfExperts());
        GGUF.write(grown, memory);
        Path streamed = tmp.resolve("streamed.gguf");
        grower(Long.MAX_VALUE).growGguf(in, plan, streamed, StreamProgress.NONE);
        assertEquals(-1, Files.mismatch(memory, streamed), name);
    }

    /**
     * Llama 2's proportions at hidden 512 (46 M parameters, 88 MiB in BF16) upcycled to 16 experts (188 M, 358 MiB) in
     * a JVM with a 64 MiB heap: the peak resident memory stays below half of source and output together, where
     * growing in memory holds both.
     */
    @Test
    void streamedUpcyclingNeedsMemoryForOneTensorNotTheModel(@TempDir Path tmp) throws Exception {
        TransformerConfig config = SyntheticCheckpoints.llamaShaped(512);
        Path in = tmp.resolve("in");
        long inBytes = SyntheticCheckpoints.write(in, config, DType.BF16, 5, 1L << 30);
        GrowthPlan plan = plan(new ExpertUpcycling(16, 2));
        long outBytes = plan.apply(config).parameterCount() * 2;
        assertEquals(Architecture.MIXTRAL, plan.apply(config).architecture());
        Path planFile = Files.writeString(tmp.resolve("plan.yaml"), PlanFiles.toYaml(plan));
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("child.log");
        long rss = ChildJvm.growInChild("64m", log, 5, in.toString(), planFile.toString(),
                out.toString());
        System.out.println("streamed upcycling: peak RSS " + (rss >> 20) + " MiB for " + (inBytes >> 20) + " MiB in, "
                + (outBytes >> 20) + " MiB out");
        assertTrue(rss < (inBytes + outBytes) / 2, "peak resident memory " + (rss >> 20) + " MiB for "
                + (inBytes >> 20) + " MiB in and " + (outBytes >> 20) + " MiB out");
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"num_local_experts\" : 16"));
    }

    private static StreamingGrower grower(long shardSize) {
        return new StreamingGrower(new CpuPadKernel(), new StreamOptions(shardSize, 1L << 20));
    }

    private static GrowthPlan plan(GrowthStep... steps) {
        return new GrowthPlan(42, List.of(steps));
    }
}
