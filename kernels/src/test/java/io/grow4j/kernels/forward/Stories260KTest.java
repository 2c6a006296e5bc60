package io.grow4j.kernels.forward;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Model;
import io.grow4j.model.format.Llama2cFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real trained checkpoint: llama2.c's stories260K. Greedy decoding from BOS must reproduce the ids llama2.c's
 * run.c prints (shared/data/README.md), in float on the CPU backend and in the double reference alike.
 */
public class Stories260KTest {
    private static final String CHECKPOINT = "shared/data/stories260K.bin";
    private static final int[] RUN_C_GREEDY = {461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409,
            283, 264};
    private static final CpuKernels CPU = new CpuKernels();
    private static Model model;

    @BeforeAll
    static void load() throws IOException {
        model = new Llama2cFormat().read(findCheckpoint());
    }

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void greedyDecodingMatchesRunC() {
        assertArrayEquals(RUN_C_GREEDY, Generator.greedy(new ForwardPass(model, CPU).newSession(), 16),
                "float forward pass on " + CPU.name());
        assertArrayEquals(RUN_C_GREEDY, Generator.greedy(new ReferenceForward(model).newSession(), 16),
                "double reference");
    }

    @Test
    void floatAndDoublePathsAgreeOverALongerRun() {
        int[] fromFloat = Generator.greedy(new ForwardPass(model, CPU).newSession(), 64);
        int[] fromDouble = Generator.greedy(new ReferenceForward(model).newSession(), 64);
        assertArrayEquals(fromDouble, fromFloat);
        assertEquals(64, fromDouble.length, "run.c would stop early at a generated BOS; this checkpoint does not");
    }

    /** Walks up from the working directory; a missing checkpoint is a failure, never a skip. */
    public static Path findCheckpoint() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(CHECKPOINT);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return fail(CHECKPOINT + " not found in " + start + " or any parent directory; the shared data directory"
                + " must sit beside (or above) the project");
    }
}
