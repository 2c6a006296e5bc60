package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanFiles;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kill -9 in the middle of a streamed growth: OUT must not exist, only a temporary sibling, and the next run must
 * succeed and remove that leftover. The child pauses after each tensor so that it is reliably caught part-way.
 */
class InterruptedRunTest {
    private static final TransformerConfig CONFIG = SyntheticCheckpoints.llamaShaped(256);
    private static final GrowthPlan PLAN = new GrowthPlan(3, List.of(new MlpExpansion(1024),
            new LayerAddition(1, List.of(1))));

    @Test
    void aKilledRunLeavesNoOutputAndTheNextRunCleansUp(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        SyntheticCheckpoints.write(in, CONFIG, DType.BF16, 5, 8L << 20);
        Path planFile = tmp.resolve("plan.yaml");
        Files.writeString(planFile, PlanFiles.toYaml(PLAN));
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("child.log");

        Process child = ChildJvm.start(StreamGrowChild.class, "256m", log, in.toString(), planFile.toString(),
                out.toString(), "300");
        waitForPartialOutput(child, out, log);
        child.destroyForcibly();
        assertTrue(child.waitFor(1, TimeUnit.MINUTES), "the killed child did not exit");

        assertFalse(Files.exists(out), "a killed run must not leave " + out);
        List<Path> leftovers = temporaries(out);
        assertEquals(1, leftovers.size(), "the killed run's temporary output: " + leftovers);

        StreamResult result = new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS)
                .grow(in, PLAN, out, StreamProgress.NONE);
        assertEquals(List.of(), temporaries(out), "the rerun removes the dead run's leftovers");
        assertFalse(Files.exists(tmp.resolve(".out.lock")), "and the lock file the dead run left");
        HfCheckpoint grown = HfCheckpoint.open(out);
        assertEquals(PLAN.apply(CONFIG), grown.config());
        assertEquals(result.tensors(), grown.tensors().size());
    }

    @Test
    void sigtermPartWayRemovesTheTemporaryAtOnce(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        SyntheticCheckpoints.write(in, CONFIG, DType.BF16, 5, 8L << 20);
        Path planFile = Files.writeString(tmp.resolve("plan.yaml"), PlanFiles.toYaml(PLAN));
        Path out = tmp.resolve("out");
        Path log = tmp.resolve("child.log");

        Process child = ChildJvm.start(StreamGrowChild.class, "256m", log, in.toString(), planFile.toString(),
                out.toString(), "300");
        waitForPartialOutput(child, out, log);
        child.destroy(); // SIGTERM, as a batch scheduler or Ctrl-C (SIGINT) ends a run
        assertTrue(child.waitFor(1, TimeUnit.MINUTES), "the child did not end on SIGTERM");

        assertFalse(Files.exists(out), "a terminated run must not leave " + out);
        assertEquals(List.of(), temporaries(out), "the terminated run removes its own temporary");
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of("child.log", "in", "plan.yaml"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "nor a lock file");
        }
    }

    /** Until the child has written part of a shard under its temporary name (and is still running). */
    private static void waitForPartialOutput(Process child, Path out, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                fail("the child ended before it could be killed (exit " + child.exitValue() + "):\n"
                        + Files.readString(log));
            }
            if (Files.readString(log).lines().filter(l -> l.startsWith("wrote ")).count() >= 3) {
                return;
            }
            Thread.sleep(20);
        }
        child.destroyForcibly();
        fail("the child wrote no tensors in time:\n" + Files.readString(log));
    }

    private static List<Path> temporaries(Path out) throws IOException {
        String prefix = AtomicOutput.temporaryPrefix(out);
        try (Stream<Path> siblings = Files.list(out.toAbsolutePath().getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }
}
