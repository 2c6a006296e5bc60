package io.grow4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes results as a JSON array of {kernel, shape, backend, device, seconds, gflops | gbps | tokensPerSecond}. */
public final class BenchJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchJson() {
    }

    public static void write(List<BenchResult> results, Path file) throws IOException {
        JSON.writeValue(file.toFile(), results);
    }

    public static List<BenchResult> read(Path file) throws IOException {
        return List.of(JSON.readValue(file.toFile(), BenchResult[].class));
    }
}
