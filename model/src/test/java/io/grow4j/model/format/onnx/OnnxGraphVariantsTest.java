package io.grow4j.model.format.onnx;

import io.grow4j.model.fixtures.MiniLm;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Other exporters write the same BERT differently: one LayerNormalization node instead of the decomposition, constant
 * Reshape targets (with 0 "copy" and -1 "infer" entries) instead of Concats of run-time sizes, the attention scale
 * split as k^(-1/4) on both Q and K. Each variant, built from all-MiniLM-L6-v2 by graph surgery, must read as the same
 * model and take grown sizes on writing.
 */
class OnnxGraphVariantsTest {
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
    void fusedLayerNormalizationNodes() throws IOException {
        GraphProto.Builder g = source.getGraph().toBuilder();
        Map<String, List<NodeProto>> norms = new HashMap<>();
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            int at = n.getName().indexOf("LayerNorm/");
            if (at < 0) {
                kept.add(n);
                continue;
            }
            List<NodeProto> group = norms.computeIfAbsent(n.getName().substring(0, at), k -> new ArrayList<>());
            if (group.isEmpty()) {
                kept.add(NodeProto.newBuilder().setName(n.getName().substring(0, at) + "LayerNorm").build());
            }
            group.add(n);
        }
        g.clearNode();
        for (NodeProto n : kept) {
            g.addNode(norms.containsKey(n.getName().replace("LayerNorm", "")) ? fused(n.getName(),
                    norms.get(n.getName().replace("LayerNorm", ""))) : n);
        }
        assertReadsAndGrows(write("fused.onnx", g));
    }

    /** One LayerNormalization node for the nine nodes (and two Constants) of a decomposed LayerNorm. */
    private static NodeProto fused(String name, List<NodeProto> group) {
        NodeProto first = group.getFirst();
        NodeProto mul = group.stream().filter(n -> n.getOpType().equals("Mul")).findFirst().orElseThrow();
        NodeProto last = group.getLast();
        return NodeProto.newBuilder().setName(name).setOpType("LayerNormalization").addInput(first.getInput(0))
                .addInput(mul.getInput(1)).addInput(last.getInput(1)).addOutput(last.getOutput(0))
                .addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(1e-12f))
                .build();
    }

    @Test
    void constantReshapeTargets() throws IOException {
        GraphProto.Builder g = source.getGraph().toBuilder();
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            if (!n.getOpType().equals("Reshape")) {
                continue;
            }
            // merges end in Concat_3 (3 entries); splits infer the head count on the key path only
            boolean merge = n.getName().endsWith("Reshape_3");
            long[] target = merge ? new long[] {0, 0, 384}
                    : n.getName().endsWith("self/Reshape") ? new long[] {0, 0, -1, 32} : new long[] {0, 0, 12, 32};
            String name = n.getName() + "/target";
            g.addInitializer(int64s(name, target));
            n.setInput(1, name);
        }
        assertReadsAndGrows(write("constant-targets.onnx", g));
    }

    @Test
    void attentionScaleSplitOverQueryAndKey() throws IOException {
        GraphProto.Builder g = source.getGraph().toBuilder();
        g.addInitializer(floats("scale/quarter", (float) Math.pow(32, -0.25)));
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            String self = n.getName().replace("/MatMul", "/");
            if (n.getOpType().equals("MatMul") && n.getName().endsWith("attention/self/MatMul")) {
                NodeProto.Builder scores = n.toBuilder();
                for (int i = 0; i < 2; i++) {
                    String scaled = n.getInput(i) + "/scaled";
                    nodes.add(NodeProto.newBuilder().setName(self + "Scale_" + i).setOpType("Mul")
                            .addInput(n.getInput(i)).addInput("scale/quarter").addOutput(scaled).build());
                    scores.setInput(i, scaled);
                }
                nodes.add(scores.build());
            } else if (n.getOpType().equals("Div") && n.getName().endsWith("attention/self/Div")) {
                // the scores MatMul output goes straight on to the mask Add
                nodes.add(NodeProto.newBuilder().setName(n.getName()).setOpType("Identity").addInput(n.getInput(0))
                        .addOutput(n.getOutput(0)).build());
            } else {
                nodes.add(n);
            }
        }
        g.clearNode().addAllNode(nodes);
        assertReadsAndGrows(write("split-scale.onnx", g));
    }

    @Test
    void aPoolerAsPyTorchExportsIt() throws IOException {
        float[] w = new float[384 * 384];
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(w);
        GraphProto.Builder g = source.getGraph().toBuilder()
                .addInitializer(TensorProto.newBuilder().setName("pooler.dense.weight").addDims(384).addDims(384)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setRawData(com.google.protobuf.ByteString.copyFrom(raw.array())))
                .addInitializer(TensorProto.newBuilder().setName("pooler.dense.bias").addDims(384)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[4 * 384])))
                .addInitializer(int64s("/pooler/index", 0).toBuilder().clearDims())
                .addNode(NodeProto.newBuilder().setName("/pooler/Gather").setOpType("Gather")
                        .addInput("last_hidden_state").addInput("/pooler/index").addOutput("first")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setI(1)
                                .setType(AttributeProto.AttributeType.INT)))
                .addNode(NodeProto.newBuilder().setName("/pooler/dense/Gemm").setOpType("Gemm").addInput("first")
                        .addInput("pooler.dense.weight").addInput("pooler.dense.bias").addOutput("dense")
                        .addAttribute(AttributeProto.newBuilder().setName("transB").setI(1)
                                .setType(AttributeProto.AttributeType.INT)))
                .addNode(NodeProto.newBuilder().setName("/pooler/Tanh").setOpType("Tanh").addInput("dense")
                        .addOutput("pooler_output"))
                .addOutput(source.getGraph().getOutput(0).toBuilder().setName("pooler_output"));
        Path pooled = write("pooler.onnx", g);
        Model read = new OnnxFormat().read(pooled);
        assertEquals(true, read.config().pooler());
        // Gemm with transB = 1 keeps W as [out, in], our layout: no transposition
        assertEquals(w[5 * 384 + 7], (float) read.tensor(io.grow4j.model.Role.POOLER).get(5 * 384 + 7));

        TransformerConfig wider = read.config().withHidden(768, read.config().normEps());
        Map<TensorKey, Tensor> padded = new HashMap<>();
        read.tensors().forEach((k, t) -> padded.put(k, OnnxFormatTest.zeroPadded(t, k.role().shape(wider))));
        Path out = dir.resolve("pooler-wider.onnx");
        new OnnxFormat().write(read.derive(wider, padded), out);
        assertEquals(wider, new OnnxFormat().read(out).config());
        ModelProto written = ModelProto.parseFrom(Files.readAllBytes(out));
        for (int o = 0; o < 2; o++) {
            assertEquals(768, written.getGraph().getOutput(o).getType().getTensorType().getShape().getDim(2)
                    .getDimValue(), written.getGraph().getOutput(o).getName());
        }
    }

    /** Same model as the original; after growing heads and head size, read back with those sizes. */
    private static void assertReadsAndGrows(Path variant) throws IOException {
        Model read = new OnnxFormat().read(variant);
        OnnxFormatTest.assertSameModel(miniLm, read);
        TransformerConfig c = read.config();
        TransformerConfig grown = c.withAttention(c.attention().withHeads(16, 16).withKeySize(48).withValueSize(48));
        Map<TensorKey, Tensor> padded = new HashMap<>();
        read.tensors().forEach((k, t) -> padded.put(k, OnnxFormatTest.zeroPadded(t, k.role().shape(grown))));
        Path out = dir.resolve("grown-" + variant.getFileName());
        new OnnxFormat().write(read.derive(grown, padded), out);
        assertEquals(grown, new OnnxFormat().read(out).config());
    }

    private static Path write(String name, GraphProto.Builder graph) throws IOException {
        return Files.write(dir.resolve(name), source.toBuilder().setGraph(graph).build().toByteArray());
    }

    private static TensorProto int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length).setRawData(com.google.protobuf.ByteString.copyFrom(raw.array())).build();
    }

    private static TensorProto floats(String name, float value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(value)
                .build();
    }
}
