package io.grow4j.kernels.opencl;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The F32 device tensors a {@link DeviceForwardPass} reads, by key. Uploaded from a host model (owned), or taken from
 * tensors already on the device: F32 ones are used in place (the caller keeps them), others converted on the device.
 */
final class DecodeWeights implements AutoCloseable {
    private final Map<TensorKey, DeviceTensor> tensors;
    private final List<DeviceTensor> owned;

    private DecodeWeights(Map<TensorKey, DeviceTensor> tensors, List<DeviceTensor> owned) {
        this.tensors = tensors;
        this.owned = owned;
    }

    /** Every tensor the forward pass reads, as F32 on {@code device}. */
    static DecodeWeights upload(Model model, ClDevice device) {
        Map<TensorKey, DeviceTensor> map = new HashMap<>();
        List<DeviceTensor> owned = new ArrayList<>();
        try {
            for (TensorKey key : Model.expectedKeys(model.config())) {
                Tensor host = model.tensor(key);
                DeviceTensor t = new DeviceTensor(device, DType.F32, host.shape(), "weight " + key);
                owned.add(t);
                t.write(host.dtype() == DType.F32 ? host : host.convertTo(DType.F32));
                map.put(key, t);
            }
        } catch (RuntimeException e) {
            owned.forEach(DeviceTensor::close);
            throw e;
        }
        return new DecodeWeights(map, owned);
    }

    /**
     * The tensors of {@code config} from a map of device tensors on {@code device}: checks that every one is there with
     * its shape (all problems at once), then converts the non-F32 ones on the device.
     */
    static DecodeWeights adopt(TransformerConfig config, Map<TensorKey, DeviceTensor> given, ClDevice device,
                               int padGroup) {
        List<String> problems = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            DeviceTensor t = given.get(key);
            long[] shape = key.role().shape(config);
            if (t == null) {
                problems.add("missing tensor " + key + " of shape " + Arrays.toString(shape));
            } else if (!Arrays.equals(t.shape(), shape)) {
                problems.add("tensor " + key + ": expected shape " + Arrays.toString(shape) + ", got " + t);
            } else if (t.device() != device) {
                problems.add("tensor " + key + " lives on another ClDevice than the decoder program");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("device tensors disagree with the config:\n  "
                    + String.join("\n  ", problems));
        }
        Map<TensorKey, DeviceTensor> map = new HashMap<>();
        List<DeviceTensor> owned = new ArrayList<>();
        OpenClPadKernel converter = new OpenClPadKernel(device, padGroup);
        try {
            for (TensorKey key : Model.expectedKeys(config)) {
                DeviceTensor t = given.get(key);
                if (t.dtype() != DType.F32) {
                    t = converter.pad(t, identity(t.shape()), DType.F32);
                    owned.add(t);
                }
                map.put(key, t);
            }
        } catch (RuntimeException e) {
            owned.forEach(DeviceTensor::close);
            throw e;
        } finally {
            converter.close();
        }
        return new DecodeWeights(map, owned);
    }

    /** Same values in another dtype: every value through double, as Tensor.toFloatArray rounds it. */
    private static PadSpec identity(long[] shape) {
        int[][] maps = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) {
            maps[a] = PadSpec.identity(Math.toIntExact(shape[a]));
        }
        return new PadSpec(shape, shape, maps, 1.0, Fill.ZERO);
    }

    cl_mem get(Role role) {
        return tensor(TensorKey.global(role)).buffer();
    }

    cl_mem get(Role role, int layer) {
        return tensor(TensorKey.of(role, layer)).buffer();
    }

    /** The buffer, or {@code absent} when the config has no such tensor (a bias, the gate). */
    cl_mem optional(Role role, int layer, cl_mem absent) {
        DeviceTensor t = tensors.get(layer < 0 ? TensorKey.global(role) : TensorKey.of(role, layer));
        return t == null ? absent : t.buffer();
    }

    private DeviceTensor tensor(TensorKey key) {
        DeviceTensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalStateException("decoder weights have no tensor " + key);
        }
        return t;
    }

    @Override
    public void close() {
        owned.forEach(DeviceTensor::close);
        owned.clear();
    }
}
