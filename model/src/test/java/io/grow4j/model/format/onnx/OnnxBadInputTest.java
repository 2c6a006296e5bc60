package io.grow4j.model.format.onnx;

import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.CheckpointException;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import io.grow4j.model.format.onnx.proto.Onnx.ValueInfoProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken files, graphs that are not a BERT grow4j can map, and models the graph cannot hold: each a clear error. */
class OnnxBadInputTest {
    @TempDir
    static Path dir;
    static ModelProto source;
    static Model miniLm;

    @BeforeAll
    static void read() throws IOException {
        source = ModelProto.parseFrom(Files.readAllBytes(MiniLm.path()));
        miniLm = new OnnxFormat().read(MiniLm.path());
    }

    @Test
    void aTruncatedFileNamesTheFile() throws IOException {
        byte[] whole = Files.readAllBytes(MiniLm.path());
        Path half = Files.write(dir.resolve("half.onnx"), Arrays.copyOf(whole, whole.length / 2));
        String message = readFails(half);
        assertTrue(message.startsWith(half + ": not a valid ONNX model (truncated or corrupt"), message);

        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertTrue(readFails(empty).contains("holds no graph"), readFails(empty));
    }

    @Test
    void aGraphCutAtAMessageBoundaryNamesWhatIsMissing() throws IOException {
        // protobuf parses a file cut between two fields: the graph then lacks what came after the cut
        GraphProto.Builder g = source.getGraph().toBuilder();
        g.removeInitializer(g.getInitializerCount() - 1);
        String message = readFails(write("cut.onnx", g));
        assertTrue(message.contains("incomplete") && message.contains("onnx::MatMul_864"), message);
    }

    @Test
    void aGraphThatIsNoBertSaysWhereMatchingStopped() throws IOException {
        GraphProto.Builder relu = GraphProto.newBuilder().setName("relu")
                .addInput(ValueInfoProto.newBuilder().setName("x"))
                .addOutput(ValueInfoProto.newBuilder().setName("y"))
                .addNode(NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"));
        String message = readFails(write("relu.onnx", relu));
        assertTrue(message.contains("not a BERT encoder graph") && message.contains("embeddings"), message);
    }

    @Test
    void aTaskHeadOnTheLastHiddenStateIsRefused() throws IOException {
        GraphProto.Builder g = source.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("/head/ReduceMean").setOpType("ReduceMean")
                        .addInput("last_hidden_state").addOutput("pooled"))
                .addOutput(ValueInfoProto.newBuilder().setName("pooled"));
        String message = readFails(write("head.onnx", g));
        assertTrue(message.contains("/head/ReduceMean") && message.contains("task heads are not supported"), message);
    }

    @Test
    void aFloatInitializerWithoutARoleIsNamed() throws IOException {
        GraphProto.Builder g = source.getGraph().toBuilder().addInitializer(TensorProto.newBuilder()
                .setName("classifier.weight").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(2)
                .addFloatData(1).addFloatData(2));
        String message = readFails(write("extra.onnx", g));
        assertTrue(message.contains("'classifier.weight'") && message.contains("[2]"), message);
    }

    @Test
    void aShapeConstantSharedWithAnUnmappedNodeIsNotChanged() throws IOException {
        String headSize = "/encoder/layer.0/attention/self/Constant_3_output_0";
        GraphProto.Builder g = source.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("/other/Identity").setOpType("Identity").addInput(headSize)
                        .addOutput("head_size_copy"))
                .addOutput(ValueInfoProto.newBuilder().setName("head_size_copy"));
        Model shared = new OnnxFormat().read(write("shared.onnx", g));
        Path out = dir.resolve("shared-out.onnx");
        new OnnxFormat().write(shared, out); // unchanged sizes: the constant keeps its value, nothing to refuse
        TransformerConfig c = shared.config();
        TransformerConfig wider = c.withAttention(c.attention().withKeySize(48).withValueSize(48));
        Map<TensorKey, Tensor> padded = new HashMap<>();
        shared.tensors().forEach((k, t) -> padded.put(k, OnnxFormatTest.zeroPadded(t, k.role().shape(wider))));
        Path grown = dir.resolve("shared-grown.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OnnxFormat().write(shared.derive(wider, padded), grown));
        assertTrue(e.getMessage().contains(headSize) && e.getMessage().contains("/other/Identity"), e.getMessage());
        assertFalse(Files.exists(grown));
    }

    @Test
    void layerAdditionAndForeignModelsAreRefusedBeforeWriting() {
        TransformerConfig c = miniLm.config();
        Map<TensorKey, Tensor> fewer = new HashMap<>(miniLm.tensors());
        fewer.keySet().removeIf(k -> k.layer() == 5);
        Path out = dir.resolve("refused.onnx");
        IllegalArgumentException layers = assertThrows(IllegalArgumentException.class,
                () -> new OnnxFormat().write(miniLm.derive(c.withLayers(5), fewer), out));
        assertTrue(layers.getMessage().contains("6 layers, the model 5") && layers.getMessage().contains("post-LayerNorm"),
                layers.getMessage());

        Model foreign = RandomModels.create(c.withLayers(1).withMlp(c.mlp().withSize(8)), DType.F32, 3);
        IllegalArgumentException template = assertThrows(IllegalArgumentException.class,
                () -> new OnnxFormat().write(foreign, out));
        assertTrue(template.getMessage().contains("not read from an ONNX graph"), template.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void onlyBertConfigsCanBeWritten() {
        TransformerConfig llama = new TransformerConfig(io.grow4j.model.Architecture.LLAMA, 32, 16, 1, 8,
                new io.grow4j.model.AttentionConfig(2, 2, 8, 8, false),
                new io.grow4j.model.MlpConfig(24, io.grow4j.model.Activation.SWIGLU, false), 1e-5,
                new io.grow4j.model.Positions.Rope(10000, io.grow4j.model.RopeLayout.HALF_SPLIT), true);
        assertEquals(1, new OnnxFormat().writeProblems(llama).size());
        assertTrue(new OnnxFormat().writeProblems(llama).getFirst().contains("BERT"));
        assertTrue(new OnnxFormat().writeProblems(miniLm.config()).isEmpty());
        assertTrue(miniLm.tensor(Role.TOKEN_TYPE_EMBEDDING).hasShape(2, 384));
    }

    private static Path write(String name, GraphProto.Builder graph) throws IOException {
        return Files.write(dir.resolve(name), source.toBuilder().setGraph(graph).build().toByteArray());
    }

    private static String readFails(Path file) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> new OnnxFormat().read(file));
        assertEquals(file, e.file());
        return e.getMessage();
    }
}
