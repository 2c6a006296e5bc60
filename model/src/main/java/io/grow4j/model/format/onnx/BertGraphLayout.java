package io.grow4j.model.format.onnx;

import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a BERT ONNX graph means to grow4j: the config its shapes imply, the initializer behind each model tensor, every
 * stored number that depends on the sizes (head counts and sizes in Reshape targets, attention scales, LayerNorm
 * epsilons), and the graph outputs whose last axis is the hidden size (the last hidden state, then the pooled one).
 */
record BertGraphLayout(TransformerConfig config, Map<TensorKey, WeightSite> weights, List<ConstantBinding> constants,
                       List<String> hiddenOutputs) {

    BertGraphLayout {
        weights = Collections.unmodifiableMap(new TreeMap<>(weights));
        constants = List.copyOf(constants);
        hiddenOutputs = List.copyOf(hiddenOutputs);
    }
}
