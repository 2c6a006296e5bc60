package io.grow4j.train;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's tensors as flat float32 arrays (row-major, the tensor's own shape), in {@link Model#expectedKeys} order:
 * the master weights being trained, and in the same shape their gradients and optimizer moments. The order is fixed
 * so that every sum over tensors (the gradient norm) runs the same way each time.
 */
public final class Parameters {
    private final TransformerConfig config;
    private final Map<TensorKey, float[]> arrays;

    public Parameters(TransformerConfig config, Map<TensorKey, float[]> arrays) {
        this.config = config;
        Map<TensorKey, float[]> ordered = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            float[] a = arrays.get(key);
            long size = Tensor.elementCount(key.role().shape(config));
            if (a == null || a.length != size) {
                throw new IllegalArgumentException("tensor " + key + ": expected " + size + " entries, got "
                        + (a == null ? "none" : a.length));
            }
            ordered.put(key, a);
        }
        if (ordered.size() != arrays.size()) {
            throw new IllegalArgumentException("unexpected tensors for this config: " + arrays.keySet());
        }
        this.arrays = Collections.unmodifiableMap(ordered);
    }

    /** A float32 copy of every tensor of the model. */
    public static Parameters of(Model model) {
        return build(model.config(), key -> model.tensor(key).toFloatArray());
    }

    /** Zeros in every tensor's shape: fresh gradients or moments. */
    public static Parameters zeros(TransformerConfig config) {
        return build(config, key -> new float[Math.toIntExact(Tensor.elementCount(key.role().shape(config)))]);
    }

    private static Parameters build(TransformerConfig config, Function<TensorKey, float[]> make) {
        Map<TensorKey, float[]> arrays = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            arrays.put(key, make.apply(key));
        }
        return new Parameters(config, arrays);
    }

    public TransformerConfig config() {
        return config;
    }

    /** The arrays by key, in expected-key order; the arrays are live (writing them changes the parameters). */
    public Map<TensorKey, float[]> arrays() {
        return arrays;
    }

    public float[] get(TensorKey key) {
        float[] a = arrays.get(key);
        if (a == null) {
            throw new IllegalArgumentException("no tensor " + key);
        }
        return a;
    }

    public float[] get(Role role, int layer) {
        return get(TensorKey.of(role, layer));
    }

    public float[] get(Role role) {
        return get(TensorKey.global(role));
    }

    /** The output head: the token embedding itself when tied. */
    public float[] head() {
        return config.tiedEmbeddings() ? get(Role.TOKEN_EMBEDDING) : get(Role.OUTPUT);
    }

    public Parameters copy() {
        return build(config, key -> arrays.get(key).clone());
    }

    /** A model of these values in {@code dtype}, sharing nothing with this object. */
    public Model toModel(DType dtype) {
        Map<TensorKey, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<TensorKey, float[]> e : arrays.entrySet()) {
            float[] a = e.getValue();
            Tensor t = Tensor.allocate(dtype, e.getKey().role().shape(config));
            for (int i = 0; i < a.length; i++) {
                t.set(i, a[i]);
            }
            tensors.put(e.getKey(), t);
        }
        return new Model(config, tensors);
    }

    public void fill(float value) {
        for (float[] a : arrays.values()) {
            java.util.Arrays.fill(a, value);
        }
    }
}
