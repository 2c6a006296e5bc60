package io.grow4j.model;

import java.util.List;

/**
 * The rotary inverse frequencies of one head size under a {@link RopeScaling}, and the attention factor that
 * multiplies cos and sin, as transformers' modeling_rope_utils.py computes them (in float64 here) and llama.cpp for
 * rope_freqs. Every forward pass takes its angles from here, so the passes and the growth rules cannot drift apart.
 *
 * <p>Two types depend on the position: dynamic NTK recomputes the base for a sequence longer than
 * max_position_embeddings, and longrope switches from its short to its long factors past
 * original_max_position_embeddings. Both are evaluated as transformers' incremental decoding does: the token at
 * position p sees a sequence of length p + 1 (keys cached earlier keep the rotation they got then).
 */
public final class RopeFrequencies {
    private final double theta;
    private final RopeScaling scaling;
    private final int headSize;
    private final int maxPositions;
    private final double attentionFactor;
    /** Inverse frequencies that hold at every position (short factors for longrope); null for none. */
    private final double[] fixed;
    /** longrope's past original_max_position_embeddings, else null. */
    private final double[] longInverse;

    /**
     * @param theta the RoPE base
     * @param headSize the rotated dims per head (even)
     * @param maxPositions max_position_embeddings (dynamic NTK's threshold, yarn's and longrope's default original)
     * @throws IllegalArgumentException the scaling's per-pair lists do not fit the head size
     */
    public RopeFrequencies(double theta, RopeScaling scaling, int headSize, int maxPositions) {
        List<String> problems = scaling.problems(headSize);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        this.theta = theta;
        this.scaling = scaling;
        this.headSize = headSize;
        this.maxPositions = maxPositions;
        this.attentionFactor = switch (scaling) {
            case RopeScaling.Yarn y -> y.attention();
            case RopeScaling.LongRope l -> l.attention(maxPositions);
            default -> 1.0;
        };
        this.fixed = switch (scaling) {
            case RopeScaling.LongRope l -> divided(l.shortFactor());
            default -> inverseAt(0);
        };
        this.longInverse = scaling instanceof RopeScaling.LongRope l ? divided(l.longFactor()) : null;
    }

    /** Plain RoPE of this base and head size. */
    public static RopeFrequencies plain(double theta, int headSize) {
        return new RopeFrequencies(theta, RopeScaling.NONE, headSize, Integer.MAX_VALUE);
    }

    /**
     * The frequencies of a RoPE model's config, over the rotated dims of a head (all of it unless partial).
     *
     * @throws IllegalArgumentException the model has no RoPE
     */
    public static RopeFrequencies of(TransformerConfig config) {
        if (!(config.positions() instanceof Positions.Rope rope)) {
            throw new IllegalArgumentException("model has learned positions, not RoPE");
        }
        return new RopeFrequencies(rope.theta(), rope.scaling(), rope.rotaryDims(config.attention().keySize()),
                config.maxSeqLen());
    }

    /** Rotary pairs per head: half the rotated dims, which are the whole head unless rotary is partial. */
    public int pairs() {
        return headSize / 2;
    }

    /** Multiplies cos and sin (so the attention logits by its square): yarn's mscale, longrope's factor, else 1. */
    public double attentionFactor() {
        return attentionFactor;
    }

    /** Inverse frequency of every pair at {@code position} (radians per position); callers must not modify it. */
    public double[] inverseFrequencies(int position) {
        return switch (scaling) {
            case RopeScaling.Dynamic d when position + 1 > maxPositions -> dynamic(d, position + 1);
            case RopeScaling.LongRope l when position + 1 > l.original(maxPositions) -> longInverse;
            default -> fixed;
        };
    }

    /** The rotation angle of {@code pair} at {@code position}. */
    public double angle(int position, int pair) {
        return position * inverseFrequencies(position)[pair];
    }

    /** theta^(-2i/d), computed exactly as before scaling existed, so plain RoPE stays bit for bit the same. */
    private double unscaled(int pair) {
        return Math.pow(theta, -2.0 * pair / headSize);
    }

    private double[] inverseAt(int position) {
        double[] inv = new double[pairs()];
        for (int i = 0; i < inv.length; i++) {
            double base = unscaled(i);
            inv[i] = switch (scaling) {
                case RopeScaling.Linear l -> base / l.factor();
                case RopeScaling.Llama3 l -> llama3(l, base);
                case RopeScaling.Yarn y -> yarn(y, i);
                case RopeScaling.FrequencyDivisors f -> base / f.divisors().get(i);
                default -> base;
            };
        }
        return inv;
    }

    /** transformers' _compute_llama3_parameters for one frequency. */
    private static double llama3(RopeScaling.Llama3 l, double inv) {
        double wavelength = 2 * Math.PI / inv;
        double lowWavelength = l.originalMaxPositions() / l.lowFreqFactor();
        double highWavelength = l.originalMaxPositions() / l.highFreqFactor();
        if (wavelength < highWavelength) {
            return inv;
        }
        if (wavelength > lowWavelength) {
            return inv / l.factor();
        }
        double smooth = (l.originalMaxPositions() / wavelength - l.lowFreqFactor())
                / (l.highFreqFactor() - l.lowFreqFactor());
        return (1 - smooth) * inv / l.factor() + smooth * inv;
    }

    /** transformers' _compute_yarn_parameters for pair i: interpolated and original frequency blended by the ramp. */
    private double yarn(RopeScaling.Yarn y, int pair) {
        double[] range = y.correctionRange(headSize, theta, maxPositions);
        double low = range[0];
        double high = range[1] == low ? range[1] + 0.001 : range[1];
        double ramp = Math.min(1, Math.max(0, (pair - low) / (high - low)));
        double posFreq = Math.pow(theta, 2.0 * pair / headSize);
        double extrapolation = 1.0 / posFreq;
        double interpolation = 1.0 / (y.factor() * posFreq);
        double extrapolationFactor = 1 - ramp;
        return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
    }

    /** transformers' _compute_dynamic_ntk_parameters for a sequence of {@code length} tokens. */
    private double[] dynamic(RopeScaling.Dynamic d, int length) {
        double dim = headSize;
        double base = theta * Math.pow(d.factor() * length / maxPositions - (d.factor() - 1), dim / (dim - 2));
        double[] inv = new double[pairs()];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(base, 2.0 * i / headSize);
        }
        return inv;
    }

    /** longrope: 1 / (factor[i] · theta^(2i/d)). */
    private double[] divided(List<Double> factors) {
        double[] inv = new double[pairs()];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / (factors.get(i) * Math.pow(theta, 2.0 * i / headSize));
        }
        return inv;
    }
}
