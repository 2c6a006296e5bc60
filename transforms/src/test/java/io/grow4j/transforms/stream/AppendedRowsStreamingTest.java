package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Gate and up projections with rows appended by an MLP step ({@link AppendedRows}): their old rows copied file to file
 * and only the new rows built, yet the output is byte for byte the in-memory growth's, in every dtype, with an odd
 * MLP width (new rows that start and end off the fill's vector width), in one file and in shards of a few kilobytes
 * (a tensor's two pieces then land in a shard of their own or after others), with new layers that take their
 * statistics from the widened tensors, and in GGUF, including phi3's ffn_up whose gate and up parts are each appended.
 */
class AppendedRowsStreamingTest {
    private static final HfDirectoryFormat DIRECTORY = new HfDirectoryFormat();
    private static final GgufFormat GGUF = new GgufFormat();
    private static final int LAYERS = 3;
    /** MLP 40 → 57: 17 new rows, an odd count; with hidden 24, 408 new entries per tensor. */
    private static final GrowthPlan MLP_THEN_LAYERS = plan(new MlpExpansion(57), new LayerAddition(1, List.of(2)));

    @ParameterizedTest
    @EnumSource(DType.class)
    void directoryInOneFileAndInShards(DType dtype, @TempDir Path tmp) throws IOException {
        Model model = RandomModels.create(StreamedMatchesInMemoryTest.llama(LAYERS), dtype, 11);
        Path in = tmp.resolve("in");
        DIRECTORY.write(model, in);
        Path memory = tmp.resolve("memory");
        DIRECTORY.write(new Grower(new CpuPadKernel()).grow(DIRECTORY.read(in), MLP_THEN_LAYERS), memory);
        Model expected = DIRECTORY.read(memory);

        StreamResult whole = grow(in, tmp.resolve("whole"), Long.MAX_VALUE);
        assertEquals(2 * LAYERS, whole.appendedTensors(), "gate and up of every old layer");
        assertArrayEquals(Files.readAllBytes(memory.resolve(SafetensorsWriter.SINGLE)),
                Files.readAllBytes(tmp.resolve("whole").resolve(SafetensorsWriter.SINGLE)), "model.safetensors");

        StreamResult sharded = grow(in, tmp.resolve("sharded"), 3000);
        assertEquals(2 * LAYERS, sharded.appendedTensors());
        Model actual = DIRECTORY.read(tmp.resolve("sharded"));
        for (Map.Entry<TensorKey, Tensor> e : expected.tensors().entrySet()) {
            long at = e.getValue().data().mismatch(actual.tensor(e.getKey()).data());
            if (at >= 0) {
                fail(dtype + " sharded: " + e.getKey() + " differs at byte " + at);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void gguf(DType dtype, @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(StreamedGgufMatchesInMemoryTest.llama(24, 4, 2, 6, LAYERS), dtype, 12), in);
        StreamResult result = StreamedGgufMatchesInMemoryTest.assertSameFile(in, MLP_THEN_LAYERS, 1L << 20, tmp);
        assertEquals(2 * LAYERS, result.appendedTensors());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void phi3FusedGateAndUpEachAppended(DType dtype, @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(GgufFusedStreamingTest.phi3(), dtype, 13), in);
        StreamResult result = StreamedGgufMatchesInMemoryTest.assertSameFile(in, MLP_THEN_LAYERS, 1L << 20, tmp);
        assertEquals(2 * 2, result.appendedTensors(), "gate and up parts of both layers");
    }

    /**
     * Hidden growth appends rows to the output projections only (o_proj: new rows, the old columns); gate and up,
     * whose rows widen too, and down, whose columns grow, are built whole.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16"})
    void onlyTensorsWhoseOldRowsStayAreAppended(DType dtype, @TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in.gguf");
        GGUF.write(RandomModels.create(StreamedGgufMatchesInMemoryTest.llama(24, 4, 2, 6, LAYERS), dtype, 14), in);
        StreamResult result = StreamedGgufMatchesInMemoryTest.assertSameFile(in,
                plan(new HiddenExpansion(32), new MlpExpansion(57)), 1L << 20, tmp);
        assertEquals(LAYERS, result.appendedTensors(), "o_proj of each layer");
    }

    private static StreamResult grow(Path in, Path out, long shardSize) throws IOException {
        return new StreamingGrower(new CpuPadKernel(), new StreamOptions(shardSize, 1L << 20))
                .grow(in, MLP_THEN_LAYERS, out, StreamProgress.NONE);
    }

    private static GrowthPlan plan(GrowthStep... steps) {
        return new GrowthPlan(42, List.of(steps));
    }
}
