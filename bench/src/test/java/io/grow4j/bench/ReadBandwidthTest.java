package io.grow4j.bench;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-bandwidth sum reads every float of the buffer exactly once (a part skipped or read twice would report a
 * bandwidth the machine does not have), and decoding's weight bytes per token count what a step reads. No timings.
 */
class ReadBandwidthTest {

    @Test
    void sumReadsEveryFloatOnceAcrossThreads() {
        long bytes = 3L << 20;
        for (int threads : new int[] {1, 2, 3}) {
            ReadBandwidth read = new ReadBandwidth(bytes, threads);
            try (Arena arena = Arena.ofShared()) { // the sum runs on the common pool
                MemorySegment buffer = arena.allocate(bytes, 64);
                long floats = bytes / Float.BYTES;
                for (long i = 0; i < floats; i++) {
                    // small integers, so every partial sum is exact in float: any missed or repeated lane shows
                    buffer.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (i % 7));
                }
                double expected = 0;
                for (long i = 0; i < floats; i++) {
                    expected += i % 7;
                }
                assertEquals(expected, read.sum(buffer), expected * 1e-6, threads + " threads");
            }
        }
    }

    @Test
    void bufferTooSmallForItsThreadsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ReadBandwidth(64, 4));
    }

    @Test
    void weightBytesCountTiedHeadOnceAndOneRowOfAnUntiedEmbedding() {
        TransformerConfig tied = ForwardBench.Shape.LLAMA_SMALL.config();
        Model a = RandomModels.create(tied, DType.F32, 1);
        long all = a.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
        assertEquals(all, ForwardBench.weightBytesPerToken(a));
        assertEquals(ForwardBench.Shape.LLAMA_SMALL.parameters() * 4, all, "the shape's own parameter count");

        TransformerConfig untied = new TransformerConfig(tied.architecture(), tied.vocabSize(), tied.hidden(),
                tied.layers(), tied.maxSeqLen(), tied.attention(), tied.mlp(), tied.normEps(), tied.positions(), false);
        Model b = RandomModels.create(untied, DType.F32, 1);
        long embedding = b.tensor(Role.TOKEN_EMBEDDING).byteSize();
        long total = b.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
        assertEquals(total - embedding + (long) tied.hidden() * Float.BYTES, ForwardBench.weightBytesPerToken(b));
    }

    @Test
    void weightBandwidthGoesIntoTheJson(@TempDir Path dir) throws Exception {
        BenchResult r = BenchResult.tokens("forward-decode", "m", "cpu", "host", 1.0, 10).withWeightBandwidth(2_000_000_000L,
                40.0);
        Path file = dir.resolve("bench.json");
        BenchJson.write(List.of(r), file);
        assertEquals(List.of(r), BenchJson.read(file));
        String text = Files.readString(file);
        assertTrue(text.contains("\"weightGbps\" : 20.0") && text.contains("\"ofReadBandwidth\" : 0.5"), text);
    }

    @Test
    void decodeRowCarriesWeightBandwidthAsFractionOfRead() {
        BenchResult decode = BenchResult.tokens("forward-decode", "m", "cpu", "host", 2.0, 40); // 20 tokens/s
        BenchResult r = decode.withWeightBandwidth(500_000_000L, 20.0);
        assertEquals(10.0, r.weightGbps(), 1e-12);
        assertEquals(0.5, r.ofReadBandwidth(), 1e-12);
        assertTrue(BenchReport.table(List.of(r)).contains("weights 10.00 GB/s = 0.50 x read"),
                BenchReport.table(List.of(r)));
        assertEquals(null, decode.withWeightBandwidth(1, Double.NaN).ofReadBandwidth(),
                "no read figure, no fraction");
        assertThrows(IllegalStateException.class,
                () -> BenchResult.memory("read", "m", "sum", "host", 1, 1).withWeightBandwidth(1, 1));
    }
}
