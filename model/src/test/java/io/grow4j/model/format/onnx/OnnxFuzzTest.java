package io.grow4j.model.format.onnx;


import com.google.protobuf.ByteString;
import io.grow4j.model.fixtures.BoundedRuns;
import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: the seeded fuzzer's ONNX part. The smallest graph grow4j reads is all-MiniLM-L6-v2 (90 MB), so rounds are
 * few and structural: an initializer's dims set to 0, -1, 2^31 - 1 or 2^63 - 1, its raw data cut, an integer attribute
 * or a node's op type changed, a node dropped, or the serialised file cut or bit-flipped in its first kilobytes. Each
 * read must succeed or fail with a CheckpointException or IllegalArgumentException naming the file, in bounded time.
 */
class OnnxFuzzTest {
    static final long SEED = Long.getLong("grow4j.fuzz.seed", 20261130L);
    static final int ROUNDS = Integer.getInteger("grow4j.fuzz.onnx.rounds", 8);
    private static final long[] SPECIAL = {0, -1, 1, Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final int PER_INPUT_SECONDS = 30;

    @TempDir
    static Path dir;
    private static ModelProto source;
    private static BoundedRuns worker;

    @BeforeAll
    static void read() throws IOException {
        source = ModelProto.parseFrom(Files.readAllBytes(MiniLm.path()));
        worker = new BoundedRuns("onnx-fuzz", PER_INPUT_SECONDS);
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    @Test
    void mutatedGraphs() throws IOException {
        for (int round = 0; round < ROUNDS; round++) {
            replay(SEED, round);
        }
    }

    /** Cases this fuzzer found, fixed since: {seed, round}. */
    @Test
    void regressions() throws IOException {
        // dims [2^32] over a 384-float LayerNorm weight: 16 GiB allocated before the data size was compared.
        replay(20261130L, 1);
    }

    static void replay(long seed, int round) throws IOException {
        Random random = new Random(seed * 1_000_003L + round);
        String[] what = new String[1];
        byte[] bytes = mutate(random, what);
        Path file = Files.write(dir.resolve("fuzz-" + round + ".onnx"), bytes);
        String where = "onnx fuzz seed " + seed + " round " + round + ": " + what[0];
        try {
            worker.expectReadOrRefusalNaming(where, file.getFileName().toString(), () -> new OnnxFormat().read(file));
        } finally {
            Files.delete(file);
        }
    }

    private static byte[] mutate(Random random, String[] what) {
        GraphProto.Builder graph = source.getGraph().toBuilder();
        int kind = random.nextInt(6);
        if (kind == 0) {
            int i = random.nextInt(graph.getInitializerCount());
            TensorProto.Builder t = graph.getInitializer(i).toBuilder();
            int d = t.getDimsCount() == 0 ? -1 : random.nextInt(t.getDimsCount());
            long value = SPECIAL[random.nextInt(SPECIAL.length)];
            if (d < 0) {
                t.addDims(value);
            } else {
                t.setDims(d, value);
            }
            what[0] = "initializer " + t.getName() + " dim " + d + " = " + value;
            graph.setInitializer(i, t);
        } else if (kind == 1) {
            int i = random.nextInt(graph.getInitializerCount());
            TensorProto.Builder t = graph.getInitializer(i).toBuilder();
            int keep = t.getRawData().size() == 0 ? 0 : random.nextInt(t.getRawData().size());
            t.setRawData(t.getRawData().substring(0, keep));
            what[0] = "initializer " + t.getName() + " raw data cut to " + keep + " bytes";
            graph.setInitializer(i, t);
        } else if (kind == 2) {
            int i = random.nextInt(graph.getNodeCount());
            NodeProto.Builder n = graph.getNode(i).toBuilder();
            if (n.getAttributeCount() > 0) {
                int a = random.nextInt(n.getAttributeCount());
                long value = SPECIAL[random.nextInt(SPECIAL.length)];
                AttributeProto.Builder attribute = n.getAttribute(a).toBuilder().setI(value).setF(Float.NaN)
                        .clearInts().addInts(value);
                n.setAttribute(a, attribute);
                what[0] = "node " + n.getName() + " attribute " + attribute.getName() + " = " + value;
            } else {
                n.setOpType("Relu");
                what[0] = "node " + n.getName() + " op type Relu";
            }
            graph.setNode(i, n);
        } else if (kind == 3) {
            int i = random.nextInt(graph.getNodeCount());
            what[0] = "node " + graph.getNode(i).getName() + " dropped";
            graph.removeNode(i);
        } else {
            byte[] whole = source.toBuilder().setGraph(graph).build().toByteArray();
            if (kind == 4) {
                int at = random.nextInt(whole.length);
                what[0] = "file cut at " + at;
                return java.util.Arrays.copyOf(whole, at);
            }
            int flips = 1 + random.nextInt(8);
            StringBuilder bits = new StringBuilder("bits flipped");
            for (int f = 0; f < flips; f++) {
                int bit = random.nextInt(8 * 4096);
                whole[bit / 8] ^= (byte) (1 << (bit % 8));
                bits.append(' ').append(bit);
            }
            what[0] = bits.toString();
            return whole;
        }
        return source.toBuilder().setGraph(graph).build().toByteArray();
    }
}
