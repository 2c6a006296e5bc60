package io.grow4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.grow4j.transforms.stream.SyntheticCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The growth benchmark end to end at its smallest size: a table, JSON, a PNG, and nothing left behind. */
class GrowthBenchCommandTest {
    @Test
    void smallestSizeGivesTableJsonAndPlot(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("growth.json");
        Path plot = dir.resolve("growth.png");
        Path work = Files.createDirectory(dir.resolve("work"));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new GrowthBenchCommand());
        cli.setOut(new PrintWriter(out, true));
        int code = cli.execute("--max-params", "10M", "--json", json.toString(), "--plot", plot.toString(),
                "--dir", work.toString());

        assertEquals(0, code, out.toString());
        assertTrue(out.toString().contains("\n| 9M | 9M | "), out.toString());
        JsonNode rows = JsonMapper.builder().build().readTree(json.toFile()).get("rows");
        assertEquals(1, rows.size());
        assertEquals(SyntheticCheckpoints.llamaShaped(128).parameterCount(), rows.get(0).get("params").asLong());
        assertTrue(rows.get(0).get("streamSeconds").asDouble() > 0 && rows.get(0).get("cpSeconds").asDouble() > 0);
        assertTrue(rows.get(0).get("freshMemcpySeconds").asDouble() > 0, "the fresh-memory floor beside memcpy");
        assertTrue(out.toString().contains("| in-memory / fresh memcpy |"), out.toString());
        byte[] png = Arrays.copyOf(Files.readAllBytes(plot), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, png);
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(0, left.count(), "the benchmark removes its checkpoints");
        }
    }
}
