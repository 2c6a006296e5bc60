package io.grow4j.model.format.onnx;

import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading all-MiniLM-L6-v2 into roles, and writing it back, unchanged or with new sizes. */
class OnnxFormatTest {
    @TempDir
    static Path dir;
    static Model miniLm;
    static ModelProto source;

    @BeforeAll
    static void read() throws IOException {
        miniLm = new OnnxFormat().read(MiniLm.path());
        source = ModelProto.parseFrom(Files.readAllBytes(MiniLm.path()));
    }

    @Test
    void readsTheConfigFromShapesAndShapeConstants() {
        TransformerConfig c = miniLm.config();
        assertEquals(Architecture.BERT, c.architecture());
        assertEquals(30522, c.vocabSize());
        assertEquals(384, c.hidden());
        assertEquals(6, c.layers());
        assertEquals(512, c.maxSeqLen());
        assertEquals(2, c.typeVocabSize());
        assertEquals(12, c.attention().queryHeads());
        assertEquals(32, c.attention().keySize());
        assertEquals(1536, c.mlp().size());
        assertEquals(Activation.GELU, c.mlp().activation());
        assertEquals((float) 1e-12, (float) c.normEps()); // stored as a float constant in the graph
    }

    @Test
    void matMulWeightsAreFoundThroughTheirNodesAndTransposed() {
        // layer 0's query MatMul reads onnx::MatMul_787, stored [in, out]
        TensorProto stored = initializer("onnx::MatMul_787");
        Tensor wq = miniLm.tensor(Role.WQ, 0);
        assertArrayEquals(new long[] {384, 384}, wq.shape());
        float[] raw = OnnxTensors.decode(stored, false).toFloatArray();
        for (int out = 0; out < 384; out += 37) {
            for (int in = 0; in < 384; in += 41) {
                assertEquals(raw[in * 384 + out], (float) wq.get((long) out * 384 + in));
            }
        }
        // the FFN weights tell up from down by shape too: up is [1536, 384] in our layout
        assertArrayEquals(new long[] {1536, 384}, miniLm.tensor(Role.W_UP, 5).shape());
        assertArrayEquals(new long[] {384, 1536}, miniLm.tensor(Role.W_DOWN, 5).shape());
    }

    @Test
    void writingUnchangedGivesTheSameModel() throws IOException {
        Path out = dir.resolve("same.onnx");
        new OnnxFormat().write(miniLm, out);
        assertSameModel(miniLm, new OnnxFormat().read(out));
    }

    @Test
    void graphsWithNodesNamedOnlyByOpMapTheSame() throws IOException {
        ModelProto.Builder anonymous = source.toBuilder();
        anonymous.getGraphBuilder().getNodeBuilderList().forEach(n -> n.clearName());
        Path out = Files.write(dir.resolve("anonymous.onnx"), anonymous.build().toByteArray());
        assertSameModel(miniLm, new OnnxFormat().read(out));
    }

    @Test
    void newSizesGoIntoEveryShapeConstantTheGraphDependsOn() throws IOException {
        TransformerConfig c = miniLm.config();
        TransformerConfig grown = c.withMlp(c.mlp().withSize(3072))
                .withAttention(c.attention().withHeads(16, 16).withKeySize(48).withValueSize(48))
                .withHidden(768, c.normEps());
        Map<TensorKey, Tensor> padded = new HashMap<>();
        miniLm.tensors().forEach((key, t) -> padded.put(key, zeroPadded(t, key.role().shape(grown))));
        Path out = dir.resolve("resized.onnx");
        new OnnxFormat().write(miniLm.derive(grown, padded), out);

        // reading checks heads × head size against every Reshape target and the scale against 1/sqrt(head size)
        Model back = new OnnxFormat().read(out);
        assertEquals(grown.attention(), back.config().attention());
        assertEquals(grown.hidden(), back.config().hidden());
        assertEquals(grown.mlp(), back.config().mlp());
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(768, written.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(2)
                .getDimValue());
    }

    @Test
    void unknownFieldsSurviveAWrite() throws IOException {
        ModelProto withExtra = source.toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build())
                .build();
        Path in = Files.write(dir.resolve("extra.onnx"), withExtra.toByteArray());
        Path out = dir.resolve("extra-out.onnx");
        new OnnxFormat().write(new OnnxFormat().read(in), out);
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
        assertEquals(7L, written.getUnknownFields().getField(99).getVarintList().getFirst());
        assertEquals(source.getOpsetImportList(), written.getOpsetImportList());
        assertEquals(source.getProducerName(), written.getProducerName());
        assertEquals(source.getGraph().getNodeList(), written.getGraph().getNodeList());
        assertTrue(written.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getName().equals("embeddings.position_ids")));
    }

    static TensorProto initializer(String name) {
        return source.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow();
    }

    /** The tensor in the top-left corner of a zero tensor of {@code shape}. */
    static Tensor zeroPadded(Tensor t, long[] shape) {
        Tensor out = Tensor.allocate(t.dtype(), shape);
        long cols = t.rank() == 2 ? t.dim(1) : t.dim(0);
        long rows = t.rank() == 2 ? t.dim(0) : 1;
        long newCols = shape[shape.length - 1];
        for (long r = 0; r < rows; r++) {
            for (long col = 0; col < cols; col++) {
                out.set(r * newCols + col, t.get(r * cols + col));
            }
        }
        return out;
    }

    static void assertSameModel(Model expected, Model actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        expected.tensors().forEach((key, t) -> {
            assertArrayEquals(t.shape(), actual.tensor(key).shape(), key.toString());
            assertEquals(-1, t.data().mismatch(actual.tensor(key).data()), key + " differs");
        });
    }
}
