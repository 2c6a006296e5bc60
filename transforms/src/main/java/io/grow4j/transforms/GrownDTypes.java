package io.grow4j.transforms;

import io.grow4j.model.DType;

/**
 * The dtype a grown tensor is stored in, one rule for every path (in memory, streamed, on a device, and the notes that
 * describe them). A grown tensor keeps the dtype of what it is made from, except where growth computes values that a
 * half-precision dtype would round: old entries rescaled by a factor that is not a power of two (RMSNorm and LayerNorm
 * gains × sqrt(h/h'), duplicated readers × 1/m, queries × sqrt(k'/k)) and LayerNorm's mean fill. F16 keeps 11
 * significant bits and BF16 8, so such a tensor would be off by up to 4.9e-4 or 3.9e-3 relative, far beyond what
 * {@code verify} accepts (1e-4): those tensors are stored in F32 instead (safetensors, GGUF and the forward pass all
 * take mixed dtypes), which rounds by 6e-8. Zeros, copies and power-of-two scales stay exact in any dtype, but
 * not a (1 + w) gain's shift (Gemma: w' = s·w + s − 1), which rounds like any sum.
 */
public final class GrownDTypes {
    private GrownDTypes() {
    }

    /**
     * @param base the dtype of the recipe's source, else of its statistics reference, else the model's common dtype
     * @return {@code base}, or F32 where {@code base} is F16 or BF16 and would round this recipe's computed values
     */
    public static DType of(TensorRecipe recipe, DType base) {
        boolean half = base == DType.F16 || base == DType.BF16;
        return half && roundedKind(recipe, base) != null ? DType.F32 : base;
    }

    /** What of this recipe {@code dtype} rounds, in words, or null when it stores the recipe's values exactly. */
    static String roundedKind(TensorRecipe r, DType dtype) {
        if (dtype == DType.F64) {
            return null;
        }
        if (r.fill() == NewEntries.AXIS_MEAN) {
            return "mean-filled new entries" + (isPowerOfTwo(r.scale()) ? "" : " (scaled by " + r.scale() + ")");
        }
        if (r.rewrite() != null) {
            return r.rewrite().describe();
        }
        if (r.source() != null && !isPowerOfTwo(r.scale())) {
            return "old entries scaled by " + r.scale();
        }
        if (r.source() != null && r.shift() != 0) {
            return "old (1 + w) gains scaled by " + r.scale() + " (w shifted by " + r.shift() + ")";
        }
        return null;
    }

    /** Powers of two rescale without rounding (short of overflow and subnormals). */
    private static boolean isPowerOfTwo(double scale) {
        double magnitude = Math.abs(scale);
        return magnitude != 0 && magnitude == Math.scalb(1.0, Math.getExponent(magnitude));
    }
}
