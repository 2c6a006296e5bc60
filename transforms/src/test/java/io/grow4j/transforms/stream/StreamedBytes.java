package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.SafetensorsWriter;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.GrowthPlan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A random F32 directory of {@code config} grown by {@code plan} twice, streamed and in memory: the streamed
 * config.json and model.safetensors must be the in-memory ones byte for byte.
 */
final class StreamedBytes {
    private static final HfDirectoryFormat DIRECTORY = new HfDirectoryFormat();

    private StreamedBytes() {
    }

    static void assertSameAsInMemory(TransformerConfig config, GrowthPlan plan, Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        DIRECTORY.write(RandomModels.create(config, DType.F32, 8), in);
        Path memory = tmp.resolve("memory");
        DIRECTORY.write(new Grower(new CpuPadKernel()).grow(DIRECTORY.read(in), plan), memory);
        Path streamed = tmp.resolve("streamed");
        new StreamingGrower(new CpuPadKernel(), new StreamOptions(Long.MAX_VALUE, 1L << 20))
                .grow(in, plan, streamed, StreamProgress.NONE);
        assertEquals(Files.readString(memory.resolve("config.json")), Files.readString(
                streamed.resolve("config.json")));
        assertArrayEquals(Files.readAllBytes(memory.resolve(SafetensorsWriter.SINGLE)),
                Files.readAllBytes(streamed.resolve(SafetensorsWriter.SINGLE)), "model.safetensors bytes");
    }
}
