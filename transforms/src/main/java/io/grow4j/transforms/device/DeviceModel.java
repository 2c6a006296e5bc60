package io.grow4j.transforms.device;

import io.grow4j.kernels.opencl.DeviceTensor;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A model whose tensors live on an OpenCL device: what {@link DeviceGrower} grows step after step without a host round
 * trip, and what {@link io.grow4j.kernels.opencl.DeviceForwardPass#fromDevice} runs. Owns its tensors: {@link #close()}
 * frees them, and growing it hands them over to the grown model (this one can no longer be used).
 */
public final class DeviceModel implements AutoCloseable {
    private final TransformerConfig config;
    private final Map<TensorKey, DeviceTensor> tensors;
    private final Map<String, Object> extras;
    /** Host tensors these device tensors were uploaded from, still held by the caller: statistics read them. */
    private final Map<DeviceTensor, Tensor> hostOrigins;
    private boolean released;

    DeviceModel(TransformerConfig config, Map<TensorKey, DeviceTensor> tensors, Map<String, Object> extras,
                Map<DeviceTensor, Tensor> hostOrigins) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
        this.extras = extras;
        this.hostOrigins = hostOrigins;
    }

    public TransformerConfig config() {
        return config;
    }

    /** The tensors by key; they stay owned by this model. */
    public Map<TensorKey, DeviceTensor> tensors() {
        checkUsable();
        return tensors;
    }

    public DeviceTensor tensor(TensorKey key) {
        checkUsable();
        DeviceTensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("device model has no tensor " + key);
        }
        return t;
    }

    public long parameterCount() {
        return tensors.values().stream().mapToLong(DeviceTensor::size).sum();
    }

    /** The common dtype, or F32 for an empty or mixed model (as {@link Model#dtypeOrDefault()}). */
    public DType dtypeOrDefault() {
        DType seen = null;
        for (DeviceTensor t : tensors.values()) {
            if (seen != null && seen != t.dtype()) {
                return DType.F32;
            }
            seen = t.dtype();
        }
        return seen == null ? DType.F32 : seen;
    }

    /** A host copy of every tensor, with the config and the extras the uploaded model carried. */
    public Model download() {
        checkUsable();
        Map<TensorKey, Tensor> host = new TreeMap<>();
        tensors.forEach((k, t) -> host.put(k, t.download()));
        return new Model(config, host, extras);
    }

    Map<String, Object> extras() {
        return extras;
    }

    /** The host tensor {@code t} was uploaded from, or null. */
    Tensor hostOrigin(DeviceTensor t) {
        return hostOrigins.get(t);
    }

    /** Host origins of the tensors {@code next} keeps from this model, for the statistics of later steps. */
    Map<DeviceTensor, Tensor> originsKeptBy(Map<TensorKey, DeviceTensor> next) {
        Map<DeviceTensor, Tensor> kept = new IdentityHashMap<>();
        for (DeviceTensor t : next.values()) {
            Tensor host = hostOrigins.get(t);
            if (host != null) {
                kept.put(t, host);
            }
        }
        return kept;
    }

    /** Hands the tensors in {@code kept} to a grown model and frees the others; this model is then unusable. */
    void releaseExcept(Map<TensorKey, DeviceTensor> kept) {
        checkUsable();
        Set<DeviceTensor> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(kept.values());
        for (DeviceTensor t : tensors.values()) {
            if (!keep.contains(t)) {
                t.close();
            }
        }
        released = true;
    }

    private void checkUsable() {
        if (released) {
            throw new IllegalStateException("this device model was grown: its tensors belong to the grown model");
        }
    }

    /** Frees every tensor (nothing, if the model was grown: the grown model owns them now). */
    @Override
    public void close() {
        if (!released) {
            tensors.values().forEach(DeviceTensor::close);
            released = true;
        }
    }
}
