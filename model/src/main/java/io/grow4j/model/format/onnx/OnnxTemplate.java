package io.grow4j.model.format.onnx;

import io.grow4j.model.Model;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The source graph a BERT model was read from, kept in the model's {@link Model#extras() extras} so that writing can
 * put grown tensors back into the same graph: ONNX stores the computation, not just weights, and grow4j does not
 * build graphs of its own. The weights' data is dropped (the model holds it); names, types and every other node,
 * attribute and unknown field stay.
 */
record OnnxTemplate(ModelProto model, BertGraphLayout layout) {
    /** The key of the template in {@link Model#extras()}. */
    static final String EXTRAS_KEY = "onnx";

    static OnnxTemplate of(ModelProto source, BertGraphLayout layout) {
        Set<String> weights = new HashSet<>();
        layout.weights().values().forEach(w -> weights.add(w.initializer()));
        GraphProto.Builder graph = source.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (weights.contains(t.getName())) {
                graph.setInitializer(i, t.toBuilder().clearRawData().clearFloatData().clearDoubleData()
                        .clearInt32Data());
            }
        }
        return new OnnxTemplate(source.toBuilder().setGraph(graph).build(), layout);
    }

    static Optional<OnnxTemplate> in(Model model) {
        return model.extras().get(EXTRAS_KEY) instanceof OnnxTemplate t ? Optional.of(t) : Optional.empty();
    }
}
