package io.grow4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The initialisations through the command line: clone and copy streamed directory to directory and verified in double
 * precision; bad ones refused together with exit 2. Stacking changes the function: grow refuses it without --allow-inexact (exit 2, nothing written) and with it prints
 * verify's comparison of the source with the output, which shows a real change, instead of claiming preservation.
 */
class InitialisationsCliTest {
    private static final String STACK = "seed: 1\nsteps:\n  - stack: {layers: [1, 3], at: 3}\n";

    @TempDir
    Path dir;

    @Test
    void cloneAndCopyStreamADirectoryAndVerifyInDoublePrecision() throws IOException {
        Path llama = dir.resolve("llama-dir");
        assertEquals(0, Cli.run("convert", Stories.randomLike(dir).toString(), llama.toString()).exitCode());
        String plan = Files.writeString(dir.resolve("clone.yaml"), "seed: 2\nsteps:\n"
                + "  - hidden: {size: 128, init: clone}\n  - mlp: {size: 344, init: clone}\n"
                + "  - heads: {add: 8, init: clone}\n  - layers: {add: 2, at: [1, 6], init: copy}\n").toString();
        Path out = dir.resolve("cloned");
        Cli grow = Cli.run("grow", llama.toString(), "--plan", plan, "--out", out.toString());
        assertEquals(0, grow.exitCode(), grow.err());
        assertTrue(grow.out().startsWith("streamed "), grow.out());
        Cli verify = Cli.run("verify", llama.toString(), out.toString(), "--precision", "double", "--tolerance",
                "1e-12", "--length", "16", "--sequences", "2");
        assertEquals(0, verify.exitCode(), verify.out());
        assertTrue(Cli.run("inspect", out.toString()).out().contains("layers       7\n"));
    }

    @Test
    void badInitialisationsExitTwoTogetherAndWriteNothing() throws IOException {
        Path model = Stories.randomLike(dir);
        String plan = Files.writeString(dir.resolve("bad.yaml"), "seed: 2\nsteps:\n"
                + "  - mlp: {size: 200, init: clone}\n  - layers: {add: 1, init: copy, from: 9}\n").toString();
        Path out = dir.resolve("never");
        Cli grow = Cli.run("grow", model.toString(), "--plan", plan, "--out", out.toString());
        assertEquals(2, grow.exitCode());
        assertEquals("grow4j grow: error: step 1 (mlp): init clone needs an integer multiple: MLP size 172 -> 200 is"
                + " not one (try 344 or 516)\ngrow4j grow: error: step 2 (layers): from 9 is not a layer of the model"
                + " (layers 0..4)", grow.err().strip());
        assertFalse(Files.exists(out));
    }

    @Test
    void stackingIsRefusedWithoutTheFlagAndMeasuredWithIt() throws IOException {
        Path model = Stories.randomLike(dir);
        String plan = Files.writeString(dir.resolve("stack.yaml"), STACK).toString();
        Path out = dir.resolve("stacked");
        Cli refused = Cli.run("grow", model.toString(), "--plan", plan, "--out", out.toString());
        assertEquals(2, refused.exitCode(), refused.out());
        assertEquals("grow4j grow: error: step 1 (stack): stack changes the function (copied blocks add their output"
                + " again), so it runs only when inexact steps are allowed (grow --allow-inexact), which then measures"
                + " the change", refused.err().strip());
        assertFalse(Files.exists(out));

        Cli grown = Cli.run("grow", model.toString(), "--plan", plan, "--out", out.toString(), "--allow-inexact");
        assertEquals(0, grown.exitCode(), grown.err());
        assertTrue(grown.out().contains("not function-preserving (step 1 (stack)): measured change, as grow4j verify "
                + model + " " + out + " reports it:"), grown.out());
        String relative = grown.out().lines().filter(l -> l.startsWith("relative")).findFirst().orElseThrow();
        double change = Double.parseDouble(relative.split("\\s+")[1]);
        assertTrue(change > 1e-3, "two copied blocks changed the logits by only " + change + " relative");
        assertTrue(grown.out().contains("\nFAIL\n"), grown.out());
        assertTrue(grown.lastLine().startsWith("grown with --allow-inexact: a change is what these steps do"));
        Cli inspect = Cli.run("inspect", out.toString());
        assertTrue(inspect.out().contains("layers       7\n"), inspect.out());
    }
}
