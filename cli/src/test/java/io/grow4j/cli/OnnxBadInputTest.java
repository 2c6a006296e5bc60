package io.grow4j.cli;

import io.grow4j.model.fixtures.MiniLm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX inputs the CLI must refuse: one error line naming the problem, exit code 2, nothing written. */
class OnnxBadInputTest {
    @TempDir
    Path dir;

    @Test
    void aTruncatedOnnxFileIsNamed() throws IOException {
        byte[] whole = Files.readAllBytes(MiniLm.path());
        Path truncated = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(whole, whole.length / 3));
        Path out = dir.resolve("out.onnx");
        Cli grow = grow(truncated, "steps:\n  - mlp: {size: 3072}\n", out);
        assertRefused(grow, "grow", out, truncated + ": not a valid ONNX model (truncated or corrupt");
        Cli verify = Cli.run("verify", MiniLm.path().toString(), truncated.toString(), "--engine", "onnxruntime");
        assertRefused(verify, "verify", out, truncated + ": not a valid ONNX model");
    }

    @Test
    void aGraphThatIsNoBertIsRefused() throws IOException {
        // a valid ONNX model computing y = Relu(x): graph (field 7) = node (1) {input x, output y, op_type Relu} and
        // input (11) {name x}
        byte[] node = concat(bytes(0x0a, 1), "x".getBytes(), bytes(0x12, 1), "y".getBytes(), bytes(0x22, 4),
                "Relu".getBytes());
        byte[] graph = concat(bytes(0x0a, node.length), node, bytes(0x5a, 3, 0x0a, 1), "x".getBytes());
        byte[] model = concat(bytes(0x08, 7, 0x3a, graph.length), graph);
        Path relu = Files.write(dir.resolve("relu.onnx"), model);
        Path out = dir.resolve("out.onnx");
        assertRefused(grow(relu, "steps:\n  - mlp: {size: 3072}\n", out), "grow", out,
                relu + ": not a BERT encoder graph grow4j can map: embeddings");
    }

    @Test
    void layerAdditionIsRefusedForOnnxBert() throws IOException {
        Path out = dir.resolve("deeper.onnx");
        Cli grow = grow(MiniLm.path(), "steps:\n  - layers: {add: 1}\n", out);
        // refused by the plan (post-norm BERT has no exact identity layer) or, failing that, by the ONNX writer
        assertRefused(grow, "grow", out, "layer");
        assertTrue(grow.err().contains("post-norm") || grow.err().contains("post-LayerNorm"), grow.err());
    }

    @Test
    void onlyModelsReadFromOnnxCanBeWrittenAsOnnx() throws IOException {
        Path out = dir.resolve("stories.onnx");
        Cli grow = grow(Stories.randomLike(dir), "steps:\n  - mlp: {size: 256}\n", out);
        assertRefused(grow, "grow", out, "ONNX output holds BERT encoders only");
    }

    @Test
    void theOnnxRuntimeEngineRunsOnnxFilesOnly() throws IOException {
        Path stories = Stories.randomLike(dir);
        Cli verify = Cli.run("verify", stories.toString(), stories.toString(), "--engine", "onnxruntime");
        assertRefused(verify, "verify", dir.resolve("none"), "--engine onnxruntime runs .onnx files, and " + stories);
        Cli mixed = Cli.run("verify", MiniLm.path().toString(), stories.toString());
        assertRefused(mixed, "verify", dir.resolve("none"), "one outputs logits, the other hidden states");
        Cli unknown = Cli.run("verify", MiniLm.path().toString(), MiniLm.path().toString(), "--engine", "tvm");
        assertRefused(unknown, "verify", dir.resolve("none"), "--engine must be grow4j or onnxruntime");
    }

    private Cli grow(Path model, String plan, Path out) throws IOException {
        Path planFile = Files.writeString(dir.resolve("plan.yaml"), plan);
        return Cli.run("grow", model.toString(), "--plan", planFile.toString(), "--out", out.toString());
    }

    private void assertRefused(Cli run, String command, Path out, String fragment) throws IOException {
        assertEquals(2, run.exitCode(), run.out() + run.err());
        String prefix = "grow4j " + command + ": error: ";
        assertTrue(run.err().lines().anyMatch(l -> l.startsWith(prefix) && l.contains(fragment)),
                "no error line containing '" + fragment + "' in:\n" + run.err());
        assertFalse(Files.exists(out), "output written despite the error");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.contains("tmp")), "temporary files left: " + names);
        }
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
