package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * Phi-3's LongRoPE in GGUF, as convert_hf_to_gguf.py's Phi3MiniModel writes it and llama.cpp's phi3 graph reads it:
 * {@code rope_factors_short.weight} and {@code rope_factors_long.weight} (F32, one divisor per rotated pair),
 * {name}.rope.scaling.original_context_length and {name}.rope.scaling.attn_factor (the factor cos and sin are
 * multiplied by; llama.cpp uses 1 without the key). Read into {@link RopeScaling.LongRope} with its attention factor
 * given, so the file's factor is the one applied.
 *
 * <p>Which list applies: llama.cpp takes the long factors for every position when its context is longer than the
 * original context, grow4j (like transformers) per position past it; both take the short ones while the context
 * stays within the original one.
 */
final class GgufRopeFactors {
    static final String SHORT = "rope_factors_short.weight";
    static final String LONG = "rope_factors_long.weight";
    static final String ORIGINAL_CONTEXT = "rope.scaling.original_context_length";
    static final String ATTENTION_FACTOR = "rope.scaling.attn_factor";

    private GgufRopeFactors() {
    }

    static boolean isName(String name) {
        return name.equals(SHORT) || name.equals(LONG);
    }

    /**
     * The LongRoPE scaling of a parsed file, or empty when it has neither factor tensor; one without the other, a
     * wrong type or length, or a non-positive factor is a problem in {@code f} naming the tensor.
     *
     * @param rotary    the rotated dims of a head ({name}.rope.dimension_count)
     * @param attention {name}.rope.scaling.attn_factor, 1 where absent
     */
    static Optional<RopeScaling> read(MemorySegment mapped, GgufFile file, String p, int rotary, int context,
            double attention, GgufFields f) {
        GgufTensorInfo shortInfo = file.tensors().get(SHORT);
        GgufTensorInfo longInfo = file.tensors().get(LONG);
        if (shortInfo == null && longInfo == null) {
            return Optional.empty();
        }
        if (shortInfo == null || longInfo == null) {
            f.problem((shortInfo == null ? LONG + " without " + SHORT : SHORT + " without " + LONG)
                    + ": LongRoPE needs both");
            return Optional.empty();
        }
        List<Double> shortFactors = factors(mapped, file, shortInfo, rotary, f);
        List<Double> longFactors = factors(mapped, file, longInfo, rotary, f);
        int original = f.integer(p + ORIGINAL_CONTEXT, 1, context);
        if (shortFactors == null || longFactors == null) {
            return Optional.empty();
        }
        return Optional.of(new RopeScaling.LongRope(shortFactors, longFactors, original, null, attention));
    }

    private static List<Double> factors(MemorySegment mapped, GgufFile file, GgufTensorInfo info, int rotary,
            GgufFields f) {
        if (info.type() != GgmlType.of(DType.F32) || info.dims().length != 1 || info.dims()[0] != rotary / 2) {
            f.problem(info.name() + " at offset " + file.start(info) + ": expected F32 dims [" + rotary / 2
                    + "] (one factor per rotary pair of the " + rotary + " rotated dims of a head), got "
                    + info.type() + " dims " + Arrays.toString(info.dims()));
            return null;
        }
        List<Double> out = new ArrayList<>();
        for (double v : SegmentIo.mappedTensor(mapped, file.start(info), DType.F32, info.shape()).toDoubleArray()) {
            if (!(v > 0) || Double.isInfinite(v)) {
                f.problem(info.name() + " entry " + out.size() + " is " + v + ": factors must be positive and finite");
                return null;
            }
            out.add(v);
        }
        return out;
    }

    /** The factor tensors of a model of {@code config} (short, then long; F32), or none without LongRoPE. */
    static SequencedMap<String, Tensor> tensors(TransformerConfig config) {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        if (config.positions() instanceof Positions.Rope rope && rope.scaling() instanceof RopeScaling.LongRope l) {
            out.put(SHORT, f32(l.shortFactor()));
            out.put(LONG, f32(l.longFactor()));
        }
        return out;
    }

    /** The keys beside the tensors: the original context and the attention factor (float32, exact double beside). */
    static void write(TransformerConfig config, String p, SequencedMap<String, GgufValue> m) {
        if (config.positions() instanceof Positions.Rope rope && rope.scaling() instanceof RopeScaling.LongRope l) {
            m.put(p + ORIGINAL_CONTEXT, new GgufValue.Int(GgufType.UINT32, l.original(config.maxSeqLen())));
            GgufConfigCodec.real(m, p + ATTENTION_FACTOR, l.attention(config.maxSeqLen()));
        } else {
            m.remove(p + ORIGINAL_CONTEXT);
            m.remove(p + ATTENTION_FACTOR);
            m.remove(GgufConfigCodec.EXACT_PREFIX + p + ATTENTION_FACTOR);
        }
    }

    private static Tensor f32(List<Double> values) {
        Tensor t = Tensor.allocate(DType.F32, values.size());
        for (int i = 0; i < values.size(); i++) {
            t.set(i, values.get(i).floatValue());
        }
        return t;
    }
}
