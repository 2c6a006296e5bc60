package io.grow4j.cli;

import io.grow4j.model.fixtures.RequiresSharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward pass on the OpenCL backends (PoCL here, a GPU where there is one) through the command line: stories260K
 * gives llama2.c's greedy ids, and a grown model verified on OpenCL passes. The profile's fallback policy is fail, so
 * a kernel that left the device would fail these tests rather than pass on the CPU.
 */
class OpenClEndToEndTest {
    @TempDir
    Path dir;

    @RequiresSharedData("stories260K.bin")
    @ParameterizedTest
    @ValueSource(strings = {"opencl", "aparapi"})
    void storiesGivesTheReferenceIds(String backend) {
        Cli run = Cli.run("generate", Stories.path().toString(), "--steps", "16", "--temperature",
                "0", "--print-ids", "--backend", backend);
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(Stories.REFERENCE_16, run.lastLine());
        assertTrue(run.out().contains("on " + backend), run.out());
    }

    @RequiresSharedData("stories260K.bin")
    @Test
    void grownModelVerifiesOnOpenCl() throws IOException {
        Path stories = Stories.path();
        Path plan = Files.writeString(dir.resolve("plan.yaml"),
                "seed: 3\nsteps:\n  - mlp: {size: 256}\n  - heads: {add: 2}\n  - hidden: {size: 80}\n  - layers: {add: 1}\n");
        Path grown = dir.resolve("grown");
        assertEquals(0, Cli.run("grow", stories.toString(), "--plan", plan.toString(), "--out", grown.toString())
                .exitCode());
        Cli verify = Cli.run("verify", stories.toString(), grown.toString(), "--backend", "opencl", "--length", "24");
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertTrue(verify.out().contains("on opencl (float32)"), verify.out());
        assertEquals("PASS", verify.lastLine());
    }

    /** Padding on the device gives the same bits as on the CPU, in memory (a .bin input) and streamed (a directory). */
    @RequiresSharedData("stories260K.bin")
    @Test
    void growingOnTheDeviceWritesTheSameBytes() throws IOException {
        Path stories = Stories.path();
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "seed: 5\nsteps:\n  - mlp: {size: 256}\n"
                + "  - head_dim: {size: 16}\n  - hidden: {size: 96}\n  - layers: {add: 1, at: [2]}\n");
        Path hf = dir.resolve("stories-hf");
        assertEquals(0, Cli.run("convert", stories.toString(), hf.toString()).exitCode());
        for (Path input : new Path[] {stories, hf}) {
            Path onCpu = dir.resolve("cpu-" + input.getFileName() + "-grown");
            Path onDevice = dir.resolve("opencl-" + input.getFileName() + "-grown");
            Cli cpu = Cli.run("grow", input.toString(), "--plan", plan.toString(), "--out", onCpu.toString());
            Cli device = Cli.run("grow", input.toString(), "--plan", plan.toString(), "--out", onDevice.toString(),
                    "--backend", "opencl");
            assertEquals(0, cpu.exitCode(), cpu.err());
            assertEquals(0, device.exitCode(), device.err());
            assertEquals(-1L, Files.mismatch(onCpu.resolve("model.safetensors"), onDevice.resolve("model.safetensors")),
                    "grown on the device differs from grown on the CPU, input " + input.getFileName());
        }
    }

    @Test
    void unknownBackendIsAClearError() throws IOException {
        Cli run = Cli.run("generate", Stories.randomLike(dir).toString(), "--backend", "cuda");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown backend 'cuda'"), run.err());
    }
}
