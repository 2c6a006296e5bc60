package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufCheckpoint;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.GgufStreamWriter;
import io.grow4j.model.format.GgufValue;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GGUF file of about 1 GiB (BF16, Llama 2 proportions at hidden 2048) grown into a GGUF file in a JVM whose heap
 * is limited to 64 MiB, far below the model, with peak resident memory under 768 MiB: old tensors come out unchanged and the new layer's output projections
 * exactly zero. (Byte identity with the in-memory path is {@link StreamedGgufMatchesInMemoryTest}'s, on small models.)
 */
class LargeGgufTest {
    private static final TransformerConfig CONFIG = SyntheticCheckpoints.llamaShaped(2048).withLayers(8);
    private static final GrowthPlan PLAN = new GrowthPlan(5, List.of(new MlpExpansion(6144),
            new LayerAddition(1, List.of(3))));
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void growsAGigabyteGgufWithA64MegabyteHeap(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in.gguf");
        writeSynthetic(in, tmp);
        long inBytes = Files.size(in);
        assertTrue(inBytes > 1L << 30, "the test model must be over 1 GiB, is " + inBytes);
        Path planFile = Files.writeString(tmp.resolve("plan.yaml"), PlanFiles.toYaml(PLAN));
        Path out = tmp.resolve("out.gguf");
        Path log = tmp.resolve("child.log");
        long rss = ChildJvm.growInChild("64m", log, 10, in.toString(), planFile.toString(),
                out.toString());
        System.out.println("LargeGgufTest: child peak RSS " + (rss >> 20) + " MiB for a " + (inBytes >> 20) + " MiB GGUF");
        assertTrue(rss < 768L << 20, "peak resident memory " + (rss >> 20) + " MiB growing a " + (inBytes >> 20)
                + " MiB GGUF; the bound is 768 MiB");

        GgufCheckpoint source = GgufCheckpoint.open(in);
        GgufCheckpoint grown = GgufCheckpoint.open(out);
        assertEquals(PLAN.apply(source.config()), grown.config());
        try (FileChannel a = FileChannel.open(in, StandardOpenOption.READ);
             FileChannel b = FileChannel.open(out, StandardOpenOption.READ);
             Arena arena = Arena.ofShared()) {
            for (TensorKey unchanged : List.of(TensorKey.global(Role.TOKEN_EMBEDDING), TensorKey.global(Role.OUTPUT),
                    TensorKey.of(Role.WQ, 0), TensorKey.of(Role.WV, 6))) {
                TensorKey moved = unchanged.layer() >= 3 ? TensorKey.of(unchanged.role(), unchanged.layer() + 1)
                        : unchanged;
                assertEquals(-1, source.map(unchanged, a, arena).data().mismatch(grown.map(moved, b, arena).data()),
                        unchanged + " → " + moved);
            }
            for (Role role : List.of(Role.WO, Role.W_DOWN)) {
                Tensor t = grown.map(TensorKey.of(role, 3), b, arena);
                assertEquals(-1, t.data().mismatch(arena.allocate(t.byteSize())), "new layer's " + role + " is zero");
            }
            Tensor down = grown.map(TensorKey.of(Role.W_DOWN, 0), b, arena);
            Tensor old = source.map(TensorKey.of(Role.W_DOWN, 0), a, arena);
            for (long row = 0; row < old.dim(0); row += 511) {
                long oldRow = old.dim(1) * 2;
                assertEquals(-1, old.data().asSlice(row * oldRow, oldRow).mismatch(
                        down.data().asSlice(row * down.dim(1) * 2, oldRow)), "old columns of W_DOWN row " + row);
            }
        }
    }

    /**
     * Writes {@link #CONFIG} in BF16, tensor by tensor: the metadata comes from a tiny GGUF of the same family with
     * every config key set for the large config, the values are small random numbers (norms near one).
     */
    private static void writeSynthetic(Path file, Path tmp) throws IOException {
        Path tiny = tmp.resolve("tiny.gguf");
        new GgufFormat().write(RandomModels.create(SyntheticCheckpoints.llamaShaped(64), DType.BF16, 3), tiny);
        List<SafetensorsEntry> entries = new ArrayList<>();
        GgufCheckpoint.tensorNames(CONFIG).forEach((name, key) -> entries.add(new SafetensorsEntry(name, DType.BF16,
                key.role().shape(CONFIG))));
        SequencedMap<String, GgufValue> metadata = GgufCheckpoint.open(tiny).metadataFor(CONFIG, entries);
        SplittableRandom random = new SplittableRandom(17);
        try (GgufStreamWriter writer = GgufStreamWriter.create(file, metadata, entries)) {
            for (SafetensorsEntry e : entries) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(e.byteSize(), 64);
                    boolean norm = e.shape().length == 1;
                    for (long i = 0, n = e.byteSize() / 2; i < n; i++) {
                        float v = norm ? 1f + (float) random.nextDouble(-0.1, 0.1) : (float) random.nextDouble(-0.05, 0.05);
                        data.setAtIndex(BF16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                    writer.write(data);
                }
            }
        }
    }
}
