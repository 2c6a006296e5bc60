package io.grow4j.cli;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.stream.StreamOptions;
import io.grow4j.transforms.stream.StreamProgress;
import io.grow4j.transforms.stream.StreamingGrower;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code verify} on two BF16 checkpoints of more than 2 GiB each (an original and its streamed growth) in a JVM whose
 * heap is limited to 512 MiB: the weights are read in place from the mapped files, so only one batch's activations
 * live on the heap. Wide and shallow (hidden 2048, 19 layers), 2 sequences × 8 tokens, to keep the run short.
 */
class LargeVerifyTest {
    /** Llama 2 shapes at hidden 2048 with 19 layers: 1.11 B parameters, 2.06 GiB in bf16. */
    private static final TransformerConfig CONFIG = SyntheticCheckpoints.llamaShaped(2048).withLayers(19);
    private static final GrowthPlan PLAN = new GrowthPlan(7, List.of(new MlpExpansion(6656)));
    /** Anonymous memory allowed beside the 512 MiB heap: code, metaspace, thread stacks, GC structures. */
    private static final long ANON_BOUND = 1L << 30;

    @Test
    void verifiesTwoTwoGigabyteCheckpointsWithA512MegabyteHeap(@TempDir Path tmp) throws Exception {
        long inBytes = CONFIG.parameterCount() * 2;
        long outBytes = PLAN.apply(CONFIG).parameterCount() * 2;
        assertTrue(inBytes >= 2L << 30, "the original must be at least 2 GiB, is " + inBytes);
        long usable = Files.getFileStore(tmp).getUsableSpace();
        assertTrue(usable > inBytes + outBytes + (512L << 20), "this test writes " + ((inBytes + outBytes) >> 20)
                + " MiB under " + tmp + " but only " + (usable >> 20) + " MiB are free there");
        Path in = tmp.resolve("in");
        Path out = tmp.resolve("out");
        SyntheticCheckpoints.write(in, CONFIG, DType.BF16, 11, 1L << 30);
        new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS.withShardSize(1L << 30))
                .grow(in, PLAN, out, StreamProgress.NONE);

        Path log = tmp.resolve("verify.log");
        int code = runChild(log, "512m", "verify", in.toString(), out.toString(), "--sequences", "2", "--length", "8",
                "--batch", "2", "--backend", "cpu");
        String output = Files.readString(log);
        assertEquals(0, code, () -> "verify failed:\n" + output);
        assertTrue(output.contains("PASS"), output);
        long anon = kilobytes(output, "peak RssAnon") << 10;
        assertTrue(anon < ANON_BOUND, "peak anonymous resident memory " + (anon >> 20) + " MiB verifying two "
                + (inBytes >> 20) + "+ MiB models; the bound is " + (ANON_BOUND >> 20) + " MiB\n" + output);
        System.out.println("LargeVerifyTest: " + output.lines().filter(l -> l.matches("(seconds|peak|VmHWM).*"))
                .toList());
    }

    /** A batch too large for the heap is refused before any product, with how much memory it needs: exit 2. */
    @Test
    void refusesABatchTheHeapCannotHold(@TempDir Path tmp) throws Exception {
        TransformerConfig small = SyntheticCheckpoints.llamaShaped(256);
        Path model = tmp.resolve("m");
        SyntheticCheckpoints.write(model, small, DType.BF16, 3, 1L << 30);
        Path log = tmp.resolve("verify.log");
        int code = runChild(log, "512m", "verify", model.toString(), model.toString(), "--sequences", "64", "--length",
                "64", "--batch", "64", "--backend", "cpu");
        String output = Files.readString(log);
        assertEquals(Grow4j.ERROR, code, output);
        assertTrue(output.matches("(?s).*verify needs about \\d+ MiB of heap for a batch of 64 sequences × 64 tokens"
                + " and has \\d+ MiB: lower --batch.*"), output);
        assertTrue(!output.contains("\tat "), "no stack trace:\n" + output);
    }

    /**
     * F64 weights cannot be read in place by the float pass, which copies them to float32: when those copies do not
     * fit the heap, the refusal names the tensors and their dtype.
     */
    @Test
    void namesTheTensorsItWouldHaveToCopy(@TempDir Path tmp) throws Exception {
        TransformerConfig config = SyntheticCheckpoints.llamaShaped(512).withLayers(2);
        Path model = tmp.resolve("f64");
        new HfDirectoryFormat().write(RandomModels.create(config, DType.F64, 5), model);
        Path log = tmp.resolve("verify.log");
        int code = runChild(log, "96m", "verify", model.toString(), model.toString(), "--sequences", "1",
                "--length", "4", "--backend", "cpu");
        String output = Files.readString(log);
        assertEquals(Grow4j.ERROR, code, output);
        assertTrue(output.contains("the cpu backend cannot read these tensors in place and copies them to float32:"
                + " layer 0 F64[512, 512]"), output);
        assertTrue(!output.contains("\tat "), "no stack trace:\n" + output);
    }

    private static int runChild(Path log, String heap, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), VerifyChild.class.getName()));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!child.waitFor(10, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            fail("the child JVM did not finish; its output:\n" + Files.readString(log));
        }
        return child.exitValue();
    }

    private static long kilobytes(String output, String field) {
        Matcher m = Pattern.compile(field + ":\\s+(\\d+) kB").matcher(output);
        if (!m.find()) {
            fail("no " + field + " line in the child's output:\n" + output);
        }
        return Long.parseLong(m.group(1));
    }
}
