package io.grow4j.kernels.forward;

import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Model;
import io.grow4j.model.fixtures.RequiresSharedData;
import io.grow4j.model.fixtures.SharedData;
import io.grow4j.model.format.Llama2cFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A real trained checkpoint: llama2.c's stories260K. Greedy decoding from BOS must reproduce the ids llama2.c's
 * run.c prints (shared/data/README.md), in float on the CPU backend and in the double reference alike.
 */
@RequiresSharedData("stories260K.bin")
public class Stories260KTest {
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

    /** shared/data/stories260K.bin, for tests marked {@code @RequiresSharedData("stories260K.bin")}. */
    public static Path findCheckpoint() {
        return SharedData.path("stories260K.bin");
    }
}
