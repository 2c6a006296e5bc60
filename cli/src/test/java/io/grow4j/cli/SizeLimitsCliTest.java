package io.grow4j.cli;

import io.grow4j.model.MemoryBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8 fault 5 at the command line: sizes from a file or a plan end in one error line and exit 2. */
class SizeLimitsCliTest {
    @TempDir
    Path dir;

    @Test
    void llama2cLayerCountBeyondTheFileIsOneLineAndExitTwo() throws IOException {
        byte[] bytes = Files.readAllBytes(Stories.shaped());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, Integer.MAX_VALUE);
        Path bad = Files.write(dir.resolve("layers.bin"), bytes);
        Cli run = Cli.run("inspect", bad.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("grow4j inspect: error: " + bad + ": truncated at offset ")
                && run.err().contains("n_layers 2147483647"), run.err());
    }

    @Test
    void planSizesPastTheLimitsNameStepValueAndLimit() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 2147483647}\n"
                + "  - head_dim: {size: 1073741824}\n");
        Path out = dir.resolve("out");
        Cli run = Cli.run("grow", Stories.shaped().toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().contains("grow4j grow: error: step 1 (mlp): {size=2147483647} gives MLP size 2147483647"
                + " exceeds the largest axis, 2147483639"), run.err());
        assertTrue(run.err().contains("grow4j grow: error: step 2 (head_dim): {size=1073741824} gives query heads 8 x"
                + " head size 1073741824 = 8589934592 rows exceed the largest axis"), run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void growthPastTheMemoryLimitIsRefusedBeforeAllocating() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - layers: {add: 2000000000}\n");
        Path out = dir.resolve("out.bin");
        Cli run = Cli.run("grow", Stories.shaped().toString(), "--plan", plan.toString(), "--out", out.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("grow4j grow: error: step 1 (layers) {add=2000000000}, grown in memory, needs ")
                && run.err().contains(MemoryBudget.HOW_TO_RAISE), run.err());
        assertFalse(Files.exists(out));
    }

    /** The fuzzer's CLI part: stories260K with a header field or a data word set to a size that breaks things. */
    @Test
    void mutatedHeadersEndInSuccessOrOneErrorLineNamingTheFile() throws IOException {
        byte[] original = Files.readAllBytes(Stories.shaped());
        int[] values = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 3};
        long seed = 8;
        java.util.Random random = new java.util.Random(seed);
        for (int round = 0; round < 16; round++) {
            int field = random.nextInt(9); // the seven header fields and the first two floats of the embedding
            int value = values[random.nextInt(values.length)];
            byte[] bytes = original.clone();
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * field, value);
            Path file = Files.write(dir.resolve("mutated-" + round + ".bin"), bytes);
            Cli run = Cli.run("inspect", file.toString());
            String where = "seed " + seed + " round " + round + ": int32 " + field + " = " + value + ": " + run.err();
            assertTrue(run.exitCode() == 0 || run.exitCode() == 2, where);
            if (run.exitCode() == 2) {
                assertEquals(1, run.err().lines().count(), where);
                assertTrue(run.err().startsWith("grow4j inspect: error: " + file), where);
            }
        }
    }

    @Test
    void anOutOfMemoryErrorIsOneLineSayingHowToRaiseTheLimit() {
        String line = Grow4j.describe(new OutOfMemoryError("Java heap space"));
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("out of memory (Java heap space) with at most ")
                && line.endsWith("raise the limit with GROW4J_JAVA_OPTS=-Xmx<size>, e.g. -Xmx16g"), line);
    }
}
