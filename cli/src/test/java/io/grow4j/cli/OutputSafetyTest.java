package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.Llama2cFormat;
import io.grow4j.model.format.OutputLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands that write never destroy data: not the source through a link, not the old output when a --force run
 * fails, not another run's output; and an output they cannot write is refused before any work.
 */
class OutputSafetyTest {
    private static final TransformerConfig LLAMA = new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 16,
            new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);

    @TempDir
    Path dir;
    Path real;
    Path link;
    Path plan;
    Model model;

    /** As in the issue: real/ holds the models, plink -> real. */
    @BeforeEach
    void writeModels() throws IOException {
        real = Files.createDirectory(dir.resolve("real"));
        link = Files.createSymbolicLink(dir.resolve("plink"), real);
        model = RandomModels.create(LLAMA, DType.F32, 1);
        new HfDirectoryFormat().write(model, real.resolve("hf"));
        new Llama2cFormat().write(model, real.resolve("m.bin"));
        new GgufFormat().write(model, real.resolve("m.gguf"));
        plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 3\nsteps:\n  - mlp: {size: 48}\n");
    }

    private Cli grow(Path source, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("grow", source.toString(), "--plan", plan.toString(), "--out",
                out.toString()));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void forceThroughASymlinkedParentNeverDeletesTheSourceDirectory() throws IOException {
        Map<String, byte[]> before = contents(real);
        for (String mode : new String[] {"--stream", "--in-memory"}) {
            Cli run = grow(real.resolve("hf"), link.resolve("hf"), "--force", mode);
            assertEquals(2, run.exitCode(), mode + ": " + run.out() + run.err());
            assertTrue(run.err().contains("output " + link.resolve("hf") + " overlaps the model " + real.resolve("hf")),
                    run.err());
        }
        assertUnchanged(before);
    }

    @Test
    void forceThroughASymlinkedParentNeverReplacesASourceFile() throws IOException {
        Map<String, byte[]> before = contents(real);
        for (String file : new String[] {"m.bin", "m.gguf"}) {
            Cli run = grow(real.resolve(file), link.resolve(file), "--force");
            assertEquals(2, run.exitCode(), file + ": " + run.out() + run.err());
            assertTrue(run.err().contains("overlaps the model"), run.err());
        }
        Path hardLink = Files.createLink(dir.resolve("hard.bin"), real.resolve("m.bin"));
        Cli run = grow(real.resolve("m.bin"), hardLink, "--force");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("overlaps the model"), run.err());
        assertUnchanged(before);
    }

    @Test
    void forceNeverReplacesThePlanBeingRead() throws IOException {
        String before = Files.readString(plan);
        Cli run = grow(real.resolve("m.bin"), link.resolve("../plan.yaml"), "--force");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("overlaps the plan " + plan), run.err());
        assertEquals(before, Files.readString(plan));
    }

    @Test
    void convertAndDemoRefuseAnOutputInsideTheSourceThroughALink() throws IOException {
        Map<String, byte[]> before = contents(real);
        Cli convert = Cli.run("convert", real.resolve("hf").toString(), link.resolve("hf/converted.bin").toString());
        assertEquals(2, convert.exitCode(), convert.out() + convert.err());
        assertTrue(convert.err().contains("is inside"), convert.err());
        Cli demo = Cli.run("demo", real.resolve("hf").toString(), "--out", link.resolve("hf/grown").toString());
        assertEquals(2, demo.exitCode(), demo.out() + demo.err());
        assertTrue(demo.err().contains("is inside"), demo.err());
        assertEquals("", demo.out(), "refused before the demo runs");
        assertUnchanged(before);
    }

    /** A run that fails after its checks (here the OpenCL device profile cannot be read) keeps the old output. */
    @Test
    void aFailedForcedRunKeepsTheOldOutput() throws IOException {
        Path missingProfile = dir.resolve("no-such-profile.yaml");
        for (String[] target : new String[][] {{"hf", "out"}, {"hf", "out.bin"}, {"m.gguf", "out.gguf"}}) {
            Path out = Files.createDirectory(dir.resolve(target[1]));
            Files.writeString(out.resolve("old.txt"), "old");
            Cli run = grow(real.resolve(target[0]), out, "--force", "--backend", "opencl", "--device-profile",
                    missingProfile.toString());
            assertEquals(2, run.exitCode(), run.out() + run.err());
            assertEquals("old", Files.readString(out.resolve("old.txt")), target[1] + ": the old output is gone");
        }
        assertEquals(List.of("out", "out.bin", "out.gguf", "plan.yaml", "plink", "real"), names(dir),
                "no temporary or lock file is left");
    }

    @Test
    void forceReplacesAnyKindOfOutputOnceTheNewOneIsComplete() throws IOException {
        Path out = Files.createDirectory(dir.resolve("out.gguf"));
        Files.writeString(out.resolve("old.txt"), "old");
        Cli run = grow(real.resolve("m.gguf"), out, "--force");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(out));
        assertEquals(48, new GgufFormat().read(out).config().mlp().size());
        assertEquals(List.of("out.gguf", "plan.yaml", "plink", "real"), names(dir));
    }

    @Test
    void aSecondRunWritingTheSameOutputIsRefused() throws Exception {
        for (String[] target : new String[][] {{"m.gguf", "out.gguf"}, {"m.bin", "out.bin"}, {"hf", "out"}}) {
            Path out = dir.resolve(target[1]);
            try (OutputLock first = OutputLock.acquire(out)) {
                Cli second = CompletableFuture.supplyAsync(() -> grow(real.resolve(target[0]), out))
                        .get(2, TimeUnit.MINUTES);
                assertEquals(2, second.exitCode(), second.out() + second.err());
                assertTrue(second.err().contains("output " + out + ": another run"), second.err());
                assertTrue(second.err().contains("is writing this output"), second.err());
                assertEquals("", second.out(), "refused before growing");
            }
            assertFalse(Files.exists(out));
            Cli after = grow(real.resolve(target[0]), out);
            assertEquals(0, after.exitCode(), "the claim ends with the first run: " + after.err());
        }
    }

    @Test
    void aMissingOutputDirectoryIsReportedBeforeAnyGrowthWithThePlanProblems() throws IOException {
        Path out = dir.resolve("missing/out.bin");
        Path badPlan = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - mlp: {size: 8}\n");
        Cli run = Cli.run("grow", real.resolve("m.bin").toString(), "--plan", badPlan.toString(), "--out",
                out.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("output " + out + ": its directory " + dir.resolve("missing")
                + " does not exist; create it first"), run.err());
        assertTrue(run.err().contains("would shrink it"), "all problems together: " + run.err());
        Cli inMemory = grow(real.resolve("m.bin"), out);
        assertEquals(2, inMemory.exitCode());
        assertEquals("", inMemory.out(), "nothing grown before the refusal");
        assertTrue(inMemory.err().contains("does not exist; create it first"), inMemory.err());
    }

    @Test
    void convertAndDemoReportAMissingOutputDirectoryBeforeWorking() {
        Path out = dir.resolve("missing/out");
        Cli convert = Cli.run("convert", real.resolve("m.bin").toString(), out.toString());
        assertEquals(2, convert.exitCode());
        assertTrue(convert.err().contains("output " + out + ": its directory " + dir.resolve("missing")
                + " does not exist; create it first"), convert.err());
        Cli demo = Cli.run("demo", real.resolve("m.bin").toString(), "--out", out.toString());
        assertEquals(2, demo.exitCode());
        assertTrue(demo.err().contains("does not exist; create it first"), demo.err());
        assertEquals("", demo.out(), "refused before the demo runs");
    }

    private void assertUnchanged(Map<String, byte[]> before) throws IOException {
        Map<String, byte[]> after = contents(real);
        assertEquals(before.keySet(), after.keySet(), "files of the source");
        before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file));
    }

    private static Map<String, byte[]> contents(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
