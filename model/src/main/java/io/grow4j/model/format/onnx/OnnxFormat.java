package io.grow4j.model.format.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.CheckpointException;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ONNX models of BERT encoders (what langchain4j's in-process embedding models are). Reading maps the graph to
 * grow4j's roles by its data flow ({@link BertGraphMapper}); writing needs that source graph, carried in the model's
 * extras, and puts grown tensors and sizes back into it ({@link BertGraphWriter}). A model that did not come from an
 * ONNX graph cannot be written: grow4j does not build graphs.
 */
public final class OnnxFormat implements ModelFormat {
    /** Protobuf messages, and so ONNX files without external data, end at 2 GiB. */
    private static final long MAX_BYTES = Integer.MAX_VALUE;
    /** No weight dtype ONNX holds is smaller. */
    private static final long MIN_BYTES_PER_PARAMETER = 2;

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public Model read(Path path) throws IOException {
        ModelProto proto = parse(path);
        try {
            GraphIndex graph = new GraphIndex(proto.getGraph());
            BertGraphLayout layout = BertGraphMapper.map(graph);
            Map<TensorKey, Tensor> tensors = new TreeMap<>();
            layout.weights().forEach((key, site) -> tensors.put(key,
                    OnnxTensors.decode(graph.initializer(site.initializer()), site.transposed())));
            OnnxTemplate template = OnnxTemplate.of(proto, layout);
            return new Model(layout.config(), tensors, Map.of(OnnxTemplate.EXTRAS_KEY, template));
        } catch (GraphMappingException | IllegalArgumentException e) {
            throw new CheckpointException(path, "not a BERT encoder graph grow4j can map: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> writeProblems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        if (!config.architecture().equals(Architecture.BERT)) {
            problems.add("ONNX output holds BERT encoders only, written into the graph they were read from; this model"
                    + " is " + config.architecture().id());
        }
        long least = config.parameterCount() * MIN_BYTES_PER_PARAMETER;
        if (least > MAX_BYTES) {
            problems.add(String.format("%,d parameters need at least %,d bytes, more than an ONNX file without"
                    + " external data holds (2 GiB)", config.parameterCount(), least));
        }
        return problems;
    }

    @Override
    public List<String> writeProblems(Model source, TransformerConfig grown) {
        List<String> problems = new ArrayList<>(writeProblems(grown));
        OnnxTemplate template = OnnxTemplate.in(source).orElse(null);
        if (template == null) {
            problems.add("the model was not read from an ONNX graph, and writing ONNX needs that graph as a template"
                    + " (grow4j does not build graphs): grow a .onnx input");
        } else {
            problems.addAll(BertGraphWriter.problems(grown, template));
        }
        return problems;
    }

    @Override
    public void write(Model model, Path out) throws IOException {
        List<String> problems = writeProblems(model, model.config());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot write " + out + " as ONNX: " + String.join("; ", problems));
        }
        ModelProto proto = BertGraphWriter.write(model, OnnxTemplate.in(model).orElseThrow());
        long size = proto.getSerializedSize();
        if (size > MAX_BYTES || size < 0) {
            throw new IllegalArgumentException("cannot write " + out + ": the grown graph needs " + size + " bytes,"
                    + " more than an ONNX file without external data holds (2 GiB)");
        }
        AtomicOutput.writeFile(out, temporary -> {
            try (OutputStream os = Files.newOutputStream(temporary)) {
                proto.writeTo(os);
            }
        });
    }

    /** The whole file as a ModelProto; a truncated or corrupt file fails here or at the first undefined value. */
    private static ModelProto parse(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_BYTES) {
            throw new CheckpointException(path, "is " + size + " bytes; ONNX files with external data (over 2 GiB)"
                    + " are not supported");
        }
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(Files.readAllBytes(path));
        } catch (InvalidProtocolBufferException e) {
            throw new CheckpointException(path, "not a valid ONNX model (truncated or corrupt protobuf: "
                    + e.getMessage() + ")", e);
        }
        if (!proto.hasGraph() || proto.getGraph().getNodeCount() == 0) {
            throw new CheckpointException(path, "not a valid ONNX model: it holds no graph (truncated, or not an"
                    + " ONNX file)");
        }
        return proto;
    }
}
