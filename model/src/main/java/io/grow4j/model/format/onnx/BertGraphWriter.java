package io.grow4j.model.format.onnx;

import io.grow4j.model.Model;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.onnx.proto.Onnx.AttributeProto;
import io.grow4j.model.format.onnx.proto.Onnx.GraphProto;
import io.grow4j.model.format.onnx.proto.Onnx.ModelProto;
import io.grow4j.model.format.onnx.proto.Onnx.NodeProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorShapeProto;
import io.grow4j.model.format.onnx.proto.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Puts a (grown) model back into the graph it was read from: each weight initializer gets the model's tensor in its
 * stored layout and dtype, each bound constant the value the new config implies, the hidden-state outputs their new
 * width. Intermediate value_info entries are dropped: they are optional shape hints, and stale ones after growth
 * would make ONNX Runtime reject the model.
 */
final class BertGraphWriter {
    private BertGraphWriter() {
    }

    /** Why {@code model} cannot go back into {@code template}'s graph; empty when it can. */
    static List<String> problems(TransformerConfig now, OnnxTemplate template) {
        TransformerConfig was = template.layout().config();
        List<String> problems = new ArrayList<>();
        if (!now.architecture().equals(was.architecture())) {
            problems.add("the source graph is " + was.architecture().id() + ", the model " + now.architecture().id());
        } else if (now.layers() != was.layers()) {
            problems.add("the source graph has " + was.layers() + " layers, the model " + now.layers() + ": ONNX"
                    + " writing reuses the graph's layer subgraphs and cannot add layers (nor can a post-LayerNorm"
                    + " BERT grow layers exactly)");
        }
        check(problems, "activation", was.mlp().activation(), now.mlp().activation());
        check(problems, "maximum sequence length (position_ids is stored in the graph)", was.maxSeqLen(),
                now.maxSeqLen());
        check(problems, "token types", was.typeVocabSize(), now.typeVocabSize());
        check(problems, "pooler", was.pooler(), now.pooler());
        return problems;
    }

    static ModelProto write(Model model, OnnxTemplate template) {
        List<String> problems = problems(model.config(), template);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        GraphProto source = template.model().getGraph();
        GraphProto.Builder graph = source.toBuilder();
        putWeights(graph, model, template.layout());
        new ConstantUpdate(new GraphIndex(source), graph).apply(template.layout().constants(), model.config());
        for (String output : template.layout().hiddenOutputs()) {
            setOutputWidth(graph, output, template.layout().config().hidden(), model.config().hidden());
        }
        graph.clearValueInfo();
        return template.model().toBuilder().setGraph(graph).build();
    }

    private static void check(List<String> problems, String what, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            problems.add("the source graph's " + what + " is " + was + ", the model's " + now + ", which the graph"
                    + " cannot express");
        }
    }

    private static void putWeights(GraphProto.Builder graph, Model model, BertGraphLayout layout) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            index.put(graph.getInitializer(i).getName(), i);
        }
        for (Map.Entry<TensorKey, WeightSite> e : layout.weights().entrySet()) {
            int at = index.get(e.getValue().initializer());
            graph.setInitializer(at, OnnxTensors.encode(model.tensor(e.getKey()), graph.getInitializer(at),
                    e.getValue().transposed()));
        }
    }

    /** A hidden-state output's last axis, where the graph fixes it (batch and sequence are usually symbolic). */
    private static void setOutputWidth(GraphProto.Builder graph, String output, int oldHidden, int newHidden) {
        for (ValueInfoProto.Builder o : graph.getOutputBuilderList()) {
            if (!o.getName().equals(output) || !o.getType().hasTensorType()) {
                continue;
            }
            TensorShapeProto.Builder shape = o.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            int last = shape.getDimCount() - 1;
            if (last >= 0 && shape.getDim(last).hasDimValue() && shape.getDim(last).getDimValue() == oldHidden) {
                shape.getDimBuilder(last).setDimValue(newHidden);
            }
        }
    }

    /** Writes bound constants, refusing to change one that a node outside the mapping also reads. */
    private record ConstantUpdate(GraphIndex source, GraphProto.Builder graph) {

        void apply(List<ConstantBinding> bindings, TransformerConfig config) {
            Map<ConstantSite, Double> values = new HashMap<>();
            Map<String, Set<Integer>> readers = new HashMap<>();
            for (ConstantBinding b : bindings) {
                double value = b.quantity().valueFor(config);
                Double other = values.putIfAbsent(b.site(), value);
                if (other != null && other != value) {
                    throw new IllegalArgumentException("constant " + b.site() + " would need both " + other + " and "
                            + value);
                }
                if (b.site() instanceof ConstantSite.Element e) {
                    readers.computeIfAbsent(e.tensor(), k -> new HashSet<>()).add(b.reader());
                }
            }
            values.forEach((site, value) -> set(site, value, readers));
        }

        private void set(ConstantSite site, double value, Map<String, Set<Integer>> readers) {
            switch (site) {
                case ConstantSite.Element e -> setElement(e, value, readers.get(e.tensor()));
                case ConstantSite.Attribute a -> setAttribute(a, (float) value);
            }
        }

        private void setElement(ConstantSite.Element e, double value, Set<Integer> known) {
            double old = source.constant(e.tensor()).orElseThrow()[e.index()];
            if (old != value && (float) old != (float) value) {
                for (int reader : source.consumers(e.tensor())) {
                    if (!known.contains(reader)) {
                        throw new IllegalArgumentException("constant '" + e.tensor() + "' must change from " + old
                                + " to " + value + ", but " + source.describe(reader) + " also reads it");
                    }
                }
            }
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                if (graph.getInitializer(i).getName().equals(e.tensor())) {
                    graph.setInitializer(i, TensorValues.withElement(graph.getInitializer(i), e.index(), value));
                    return;
                }
            }
            NodeProto.Builder constant = graph.getNodeBuilder(source.producer(e.tensor()));
            for (AttributeProto.Builder a : constant.getAttributeBuilderList()) {
                switch (a.getName()) {
                    case "value" -> a.setT(TensorValues.withElement(a.getT(), e.index(), value));
                    case "value_float" -> a.setF((float) value);
                    case "value_int" -> a.setI(Math.round(value));
                    case "value_ints" -> a.setInts(e.index(), Math.round(value));
                    default -> {
                        // Not a numeric value attribute.
                    }
                }
            }
        }

        private void setAttribute(ConstantSite.Attribute site, float value) {
            NodeProto.Builder node = graph.getNodeBuilder(site.node());
            for (AttributeProto.Builder a : node.getAttributeBuilderList()) {
                if (a.getName().equals(site.name())) {
                    a.setF(value);
                    return;
                }
            }
            node.addAttribute(AttributeProto.newBuilder().setName(site.name())
                    .setType(AttributeProto.AttributeType.FLOAT).setF(value));
        }
    }
}
