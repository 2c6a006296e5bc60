package io.grow4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A config, its tensors and the extras a format carried along. Construction checks that every tensor the config
 * implies is there with its shape.
 */
public final class Model {
    private final TransformerConfig config;
    private final Map<TensorKey, Tensor> tensors;
    private final Map<String, Object> extras;

    public Model(TransformerConfig config, Map<TensorKey, Tensor> tensors) {
        this(config, tensors, Map.of());
    }

    /**
     * {@code extras}: what a format read and does not interpret (a GGUF file's tokenizer and other metadata), keyed by
     * the format's name, so that a writer of the same format can put it back. Values must be immutable; nothing but
     * their format looks inside. Growth and conversions carry them through {@link #derive}.
     */
    public Model(TransformerConfig config, Map<TensorKey, Tensor> tensors, Map<String, ?> extras) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        this.extras = Map.copyOf(extras);
        List<String> problems = shapeProblems(config, tensors);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("model tensors disagree with its config:\n  " + String.join("\n  ", problems));
        }
    }

    /** Every missing, unexpected or misshapen tensor, each named with expected and actual shape. */
    public static List<String> shapeProblems(TransformerConfig config, Map<TensorKey, Tensor> tensors) {
        List<String> problems = new ArrayList<>();
        List<TensorKey> expected = expectedKeys(config);
        for (TensorKey key : expected) {
            Tensor t = tensors.get(key);
            long[] shape = key.role().shape(config);
            if (t == null) {
                problems.add("missing tensor " + key + " of shape " + Tensor.shapeString(shape));
            } else if (!t.hasShape(shape)) {
                problems.add("tensor " + key + ": expected shape " + Tensor.shapeString(shape) + ", got "
                        + Tensor.shapeString(t.shape()));
            }
        }
        for (TensorKey key : tensors.keySet()) {
            if (!expected.contains(key)) {
                problems.add("unexpected tensor " + key + " for this config");
            }
        }
        return problems;
    }

    /** The tensors a config implies, globals first, then layer by layer in role order. */
    public static List<TensorKey> expectedKeys(TransformerConfig config) {
        List<TensorKey> keys = new ArrayList<>();
        for (Role role : Role.values()) {
            if (!role.perLayer() && role.presentIn(config)) {
                keys.add(TensorKey.global(role));
            }
        }
        for (int layer = 0; layer < config.layers(); layer++) {
            for (Role role : Role.values()) {
                if (role.perLayer() && role.presentIn(config)) {
                    keys.add(TensorKey.of(role, layer));
                }
            }
        }
        return keys;
    }

    public TransformerConfig config() {
        return config;
    }

    public Map<TensorKey, Tensor> tensors() {
        return tensors;
    }

    /** Format-owned data carried along with the model (see the constructor); empty for most models. */
    public Map<String, Object> extras() {
        return extras;
    }

    /**
     * A model with another config and tensors that keeps this one's extras: what every step deriving a model from
     * this one (growth, dtype or layout conversion) builds, so a tokenizer read from a file survives to the output.
     */
    public Model derive(TransformerConfig newConfig, Map<TensorKey, Tensor> newTensors) {
        return new Model(newConfig, newTensors, extras);
    }

    public Tensor tensor(TensorKey key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("model has no tensor " + key);
        }
        return t;
    }

    public Tensor tensor(Role role, int layer) {
        return tensor(TensorKey.of(role, layer));
    }

    public Tensor tensor(Role role) {
        return tensor(TensorKey.global(role));
    }

    /** The output head's weights: the token embedding when tied. */
    public Tensor outputHead() {
        if (!config.architecture().languageModelHead()) {
            throw new IllegalStateException(config.architecture().id() + " has no language-model head: it outputs hidden"
                    + " states");
        }
        return config.tiedEmbeddings() ? tensor(Role.TOKEN_EMBEDDING) : tensor(Role.OUTPUT);
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    /** The common storage dtype, or null when tensors differ. */
    public DType dtype() {
        DType seen = null;
        for (Tensor t : tensors.values()) {
            if (seen == null) {
                seen = t.dtype();
            } else if (seen != t.dtype()) {
                return null;
            }
        }
        return seen;
    }

    /** The common dtype, or F32 for an empty or mixed model (a fresh tensor with no neighbour to copy from). */
    public DType dtypeOrDefault() {
        DType d = dtype();
        return d == null ? DType.F32 : d;
    }

    /**
     * Each tensor in {@link DType#holding} of its dtype and {@code dtype}: what a model must be grown in before being
     * converted to {@code dtype}, so that growth computes in the wider of the two and rounds once, at the end.
     */
    public Model widenedFor(DType dtype) {
        Map<TensorKey, Tensor> out = new TreeMap<>();
        tensors.forEach((k, t) -> {
            DType wide = DType.holding(t.dtype(), dtype);
            out.put(k, t.dtype() == wide ? t : t.convertTo(wide));
        });
        return derive(config, out);
    }

    public Model convertTo(DType dtype) {
        Map<TensorKey, Tensor> out = new TreeMap<>();
        tensors.forEach((k, t) -> out.put(k, t.dtype() == dtype ? t : t.convertTo(dtype)));
        return derive(config, out);
    }
}
