package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gemma's (1 + w) RMSNorm gains as GGUF stores them: llama.cpp's converter adds 1 to every tensor whose name ends in
 * "norm.weight" (convert_hf_to_gguf.py, Gemma2Model and Gemma3Model.modify_tensors), so the file holds the gain
 * g = 1 + w that its plain RMSNorm multiplies by, while grow4j's models hold w (as Hugging Face checkpoints do).
 *
 * <p>Writing stores g = 1 + w rounded once to float32 (float64 for an F64 model): exactly the gain grow4j's float
 * pass computes from an F32, F16 or BF16 w, and HF transformers' float32 norm too; F16/BF16 gains are therefore
 * written as F32, which is what the converter writes for 1-D tensors as well. Reading gives w = g − 1 rounded to g's
 * dtype, which is exact for every g ≥ 0.5 (Sterbenz) and every larger one below 2^24, so 1 + w is g again; a gain
 * below 0.5 (or negative) may lose its bits below 2^-25, which no float32 w can hold.
 */
final class GgufUnitOffsetGains {
    /** How the converter recognises a norm gain by its GGUF name. */
    static final String SUFFIX = "norm.weight";

    private GgufUnitOffsetGains() {
    }

    /** The model's tensors with every norm gain replaced by the gain the file stores (1 + w). */
    static Map<TensorKey, Tensor> toFile(Map<TensorKey, Tensor> tensors) {
        Map<TensorKey, Tensor> out = new LinkedHashMap<>(tensors);
        tensors.forEach((key, w) -> {
            if (key.role().isNorm()) {
                out.put(key, gains(w, w.dtype() == DType.F64 ? DType.F64 : DType.F32));
            }
        });
        return out;
    }

    /** g = 1 + w in {@code dtype}, in fresh memory. */
    static Tensor gains(Tensor w, DType dtype) {
        Tensor g = Tensor.allocate(dtype, w.shape());
        for (long i = 0, n = w.size(); i < n; i++) {
            // 1 + w in double rounded to dtype: fl32(1 + w) for a float w, as double rounding is harmless for a sum
            // of two floats (53 >= 2 * 24 + 2 bits).
            g.set(i, 1.0 + w.get(i));
        }
        return g;
    }

    /** The file's tensors with every norm gain g replaced by the weight w = g − 1 a (1 + w) norm holds. */
    static Map<TensorKey, Tensor> fromFile(Map<TensorKey, Tensor> tensors) {
        Map<TensorKey, Tensor> out = new LinkedHashMap<>(tensors);
        tensors.forEach((key, g) -> {
            if (key.role().isNorm()) {
                out.put(key, weights(g));
            }
        });
        return out;
    }

    /** w = g − 1 in g's dtype, in fresh memory. */
    static Tensor weights(Tensor g) {
        Tensor w = Tensor.allocate(g.dtype(), g.shape());
        for (long i = 0, n = g.size(); i < n; i++) {
            w.set(i, g.get(i) - 1.0);
        }
        return w;
    }
}
