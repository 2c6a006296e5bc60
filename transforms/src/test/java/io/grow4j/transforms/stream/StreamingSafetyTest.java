package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Refusals that must happen before anything is written, and a source that is never touched. */
class StreamingSafetyTest {
    private static final GrowthPlan PLAN = new GrowthPlan(1, List.of(new MlpExpansion(48),
            new LayerAddition(1, List.of())));

    @TempDir
    Path tmp;
    Path in;

    @BeforeEach
    void writeSource() throws IOException {
        in = tmp.resolve("in");
        Checkpoints.writeSharded(RandomModels.create(StreamedMatchesInMemoryTest.llama(2), DType.BF16, 9), in, 2000);
    }

    @Test
    void aFullDiskIsReportedBeforeAnythingIsWritten() {
        DiskSpace tiny = new DiskSpace() {
            @Override
            long usableBytes(Path dir) {
                return 4096;
            }
        };
        Path out = tmp.resolve("out");
        IOException e = assertThrows(IOException.class, () -> new StreamingGrower(new CpuPadKernel(),
                StreamOptions.DEFAULTS, tiny).grow(in, PLAN, out, StreamProgress.NONE));
        assertTrue(e.getMessage().startsWith("not enough free disk space for " + out), e.getMessage());
        assertTrue(e.getMessage().contains("4,096 bytes"), e.getMessage());
        // the model's size is given as it is, the margin apart, so the figure can be checked against the model
        Matcher size = Pattern.compile("files take 0\\.00 GiB \\(([0-9,]+) bytes\\), plus a 16 MiB margin")
                .matcher(e.getMessage());
        assertTrue(size.find(), e.getMessage());
        long bytes = Long.parseLong(size.group(1).replace(",", ""));
        assertTrue(bytes > 0 && bytes < (1 << 20), "this tiny model's own size, without the margin: " + bytes);
        assertNothingWritten(out);
    }

    @Test
    void theSourceIsLeftByteForByteAsItWas() throws IOException {
        Map<Path, byte[]> before = contents(in);
        Map<Path, FileTime> times = modified(in);
        grower().grow(in, PLAN, tmp.resolve("out"), StreamProgress.NONE);
        Map<Path, byte[]> after = contents(in);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file.toString()));
        assertEquals(times, modified(in));
    }

    @Test
    void anOutputInsideTheSourceIsRefused() {
        Path out = in.resolve("grown");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> grower().grow(in, PLAN, out, StreamProgress.NONE));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    /** The reproduction: real/hf read, plink -> real, OUT plink/hf; lexically apart, really the same. */
    @Test
    void anOutputThatIsTheSourceThroughASymlinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("plink"), tmp);
        Map<Path, byte[]> before = contents(in);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> grower().grow(in, PLAN, link.resolve("in"), StreamProgress.NONE));
        assertTrue(e.getMessage().contains("overlaps the model"), e.getMessage());
        IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                () -> grower().grow(in, PLAN, link.resolve("in/grown"), StreamProgress.NONE));
        assertTrue(inside.getMessage().contains("is inside"), inside.getMessage());
        Map<Path, byte[]> after = contents(in);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file.toString()));
    }

    @Test
    void aMissingOutputParentIsNamed() {
        Path out = tmp.resolve("missing").resolve("out");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> grower().grow(in, PLAN, out, StreamProgress.NONE));
        assertEquals(tmp.resolve("missing").toString(), e.getFile());
        assertEquals("output directory does not exist", e.getReason());
    }

    @Test
    void aNonEmptyOutputDirectoryIsNotReplaced() throws IOException {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        assertThrows(FileAlreadyExistsException.class, () -> grower().grow(in, PLAN, out, StreamProgress.NONE));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
        assertEquals(List.of(), temporaries(out));
    }

    @Test
    void aPlanThatDoesNotApplyWritesNothing() {
        GrowthPlan shrinking = new GrowthPlan(1, List.of(new MlpExpansion(8), new LayerAddition(0, List.of())));
        Path out = tmp.resolve("out");
        PlanException e = assertThrows(PlanException.class,
                () -> grower().grow(in, shrinking, out, StreamProgress.NONE));
        assertEquals(2, e.problems().size(), e.problems().toString());
        assertNothingWritten(out);
    }

    private static StreamingGrower grower() {
        return new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS);
    }

    private void assertNothingWritten(Path out) {
        assertFalse(Files.exists(out), out + " must not exist");
        assertEquals(List.of(), temporaries(out));
    }

    private List<Path> temporaries(Path out) {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith(AtomicOutput.temporaryPrefix(out))).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<Path, byte[]> contents(Path dir) throws IOException {
        Map<Path, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                out.put(f, Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static Map<Path, FileTime> modified(Path dir) throws IOException {
        Map<Path, FileTime> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                out.put(f, Files.getLastModifiedTime(f));
            }
        }
        return out;
    }
}
