package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.TensorLocation;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A checkpoint larger than 2 GiB grown in a JVM whose heap is limited to 256 MiB, then checked against the recipe
 * rules composed over the whole plan: every sampled entry that comes from an old one holds it, every required zero is
 * exactly zero. All rows of the tensors with required-zero regions (new and old MLP down projections, the new layer's
 * attention output) are checked, plus sampled rows of every other tensor.
 */
class LargeCheckpointTest {
    /** Llama 2 shapes at hidden 2048 with 19 layers: 1.11 B parameters, 2.06 GiB in bf16. */
    private static final TransformerConfig CONFIG = SyntheticCheckpoints.llamaShaped(2048).withLayers(19);
    private static final GrowthPlan PLAN = new GrowthPlan(7, java.util.List.of(new MlpExpansion(6656),
            new LayerAddition(1, java.util.List.of(10))));
    private static final int SAMPLED_ROWS = 16;

    @Test
    void growsATwoGigabyteCheckpointWithA256MegabyteHeap(@TempDir Path tmp) throws Exception {
        long inBytes = CONFIG.parameterCount() * 2;
        long outBytes = PLAN.apply(CONFIG).parameterCount() * 2;
        assertTrue(inBytes >= 2L << 30, "the test model must be at least 2 GiB, is " + inBytes);
        requireFreeSpace(tmp, inBytes + outBytes);
        Path in = tmp.resolve("in");
        SyntheticCheckpoints.write(in, CONFIG, DType.BF16, 11, 1L << 30);
        Path planFile = tmp.resolve("plan.yaml");
        Files.writeString(planFile, PlanFiles.toYaml(PLAN));
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("child.log");

        long rss = ChildJvm.growInChild("256m", log, 10, in.toString(), planFile.toString(),
                out.toString());
        assertTrue(rss < 1L << 30, "peak resident memory " + (rss >> 20) + " MiB growing a " + (inBytes >> 20)
                + " MiB model; the bound is 1 GiB");
        checkRules(in, out);
    }

    private static void checkRules(Path in, Path out) throws IOException {
        HfCheckpoint source = HfCheckpoint.open(in);
        HfCheckpoint grown = HfCheckpoint.open(out);
        assertEquals(PLAN.apply(source.config()), grown.config());
        Map<TensorKey, DType> dtypes = new LinkedHashMap<>();
        source.tensors().forEach((k, l) -> dtypes.put(k, l.dtype()));
        PlanTrace trace = PlanTrace.of(PLAN, source.config(), dtypes);
        Set<TensorKey> everyRow = Set.of(TensorKey.of(Role.W_DOWN, 10), TensorKey.of(Role.W_DOWN, 0),
                TensorKey.of(Role.WO, 10));
        RuleCounts counts = new RuleCounts();
        try (Channels channels = new Channels()) {
            for (TensorLocation l : grown.tensors().values()) {
                try (Arena arena = Arena.ofConfined()) {
                    Tensor actual = l.map(channels.of(l.file()), arena);
                    TensorChecker checker = new TensorChecker(new TracedRules(trace), trace.finalStage(), l.key(),
                            actual, k -> source.tensors().get(k).map(channels.of(source.tensors().get(k).file()),
                            arena), counts);
                    checker.checkRows(everyRow.contains(l.key()) ? -1 : SAMPLED_ROWS, new SplittableRandom(
                            l.key().hashCode()));
                }
            }
        }
        assertTrue(counts.zeros > 3L * 2048 * 1024, "required zeros checked: " + counts.zeros);
        assertTrue(counts.old > 1_000_000, "old entries checked: " + counts.old);
    }

    private static void requireFreeSpace(Path dir, long bytes) throws IOException {
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < bytes + (512L << 20)) {
            fail("this test writes a " + (bytes >> 20) + " MiB checkpoint pair under " + dir + " but only "
                    + (usable >> 20) + " MiB are free there: free some space (or point java.io.tmpdir elsewhere)");
        }
    }

    static final class RuleCounts {
        long old;
        long zeros;
    }

    /** Read-only channels by file, opened once. */
    private static final class Channels implements AutoCloseable {
        private final Map<Path, FileChannel> open = new HashMap<>();

        FileChannel of(Path file) throws IOException {
            FileChannel c = open.get(file);
            if (c == null) {
                c = FileChannel.open(file, StandardOpenOption.READ);
                open.put(file, c);
            }
            return c;
        }

        @Override
        public void close() throws IOException {
            for (FileChannel c : open.values()) {
                c.close();
            }
        }
    }
}
