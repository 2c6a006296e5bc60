package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * GGUF's {@code rope_freqs.weight}: one float32 divisor per rotary pair, which llama.cpp applies to theta^(-2i/d)
 * (its converter writes Llama 3.1's llama3 scaling this way). Read into {@link RopeScaling.FrequencyDivisors};
 * written from those, or computed from a llama3 scaling (each divisor rounded to float32, as llama.cpp's converter
 * does, so such a file's frequencies differ from config.json's by up to 6e-8 relative).
 */
public final class GgufRopeFreqs {
    public static final String NAME = "rope_freqs.weight";

    private GgufRopeFreqs() {
    }

    /**
     * The divisors in a parsed file, or empty when it has none; a tensor of the wrong type or length is a problem in
     * {@code f} naming it.
     */
    static Optional<RopeScaling> read(MemorySegment mapped, GgufFile file, int keySize, GgufFields f) {
        GgufTensorInfo info = file.tensors().get(NAME);
        if (info == null) {
            return Optional.empty();
        }
        if (info.type() != GgmlType.of(DType.F32) || info.dims().length != 1 || info.dims()[0] != keySize / 2) {
            f.problem(NAME + " at offset " + file.start(info) + ": expected F32 dims [" + keySize / 2
                    + "] (one divisor per rotary pair of a head of size " + keySize + "), got " + info.type() + " dims "
                    + Arrays.toString(info.dims()));
            return Optional.empty();
        }
        double[] values = SegmentIo.mappedTensor(mapped, file.start(info), DType.F32, info.shape()).toDoubleArray();
        List<Double> divisors = new ArrayList<>();
        for (double v : values) {
            if (!(v > 0) || Double.isInfinite(v)) {
                f.problem(NAME + " entry " + divisors.size() + " is " + v + ": divisors must be positive and finite");
                return Optional.empty();
            }
            divisors.add(v);
        }
        return Optional.of(new RopeScaling.FrequencyDivisors(divisors));
    }

    /** Whether GGUF holds this scaling: none and linear as keys, divisors and llama3 as rope_freqs.weight. */
    static boolean holds(RopeScaling scaling) {
        return scaling instanceof RopeScaling.None || scaling instanceof RopeScaling.Linear
                || scaling instanceof RopeScaling.FrequencyDivisors || scaling instanceof RopeScaling.Llama3;
    }

    /** The rope_freqs.weight a model of {@code config} is written with (F32, [keySize / 2]), or empty. */
    public static Optional<Tensor> tensor(TransformerConfig config) {
        if (!(config.positions() instanceof Positions.Rope rope)) {
            return Optional.empty();
        }
        int pairs = config.attention().keySize() / 2;
        double[] divisors = new double[pairs];
        switch (rope.scaling()) {
            case RopeScaling.FrequencyDivisors d -> {
                for (int i = 0; i < pairs; i++) {
                    divisors[i] = d.divisors().get(i);
                }
            }
            case RopeScaling.Llama3 l -> {
                double[] plain = RopeFrequencies.plain(rope.theta(), 2 * pairs).inverseFrequencies(0);
                double[] scaled = RopeFrequencies.of(config).inverseFrequencies(0);
                for (int i = 0; i < pairs; i++) {
                    divisors[i] = plain[i] / scaled[i];
                }
            }
            default -> {
                return Optional.empty();
            }
        }
        Tensor t = Tensor.allocate(DType.F32, pairs);
        for (int i = 0; i < pairs; i++) {
            t.set(i, (float) divisors[i]);
        }
        return Optional.of(t);
    }
}
