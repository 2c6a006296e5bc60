package io.grow4j.model;

import java.util.ArrayList;
import java.util.List;

/**
 * How a RoPE model rescales its rotary frequencies to reach past its training length: Hugging Face's
 * {@code rope_scaling} / {@code rope_parameters} types (transformers' modeling_rope_utils.py) and GGUF's per-pair
 * frequency divisors ({@code rope_freqs.weight}, llama.cpp). {@link RopeFrequencies} turns a scaling into the
 * per-pair inverse frequencies and the attention factor every forward pass uses; {@link #grownBy} says how a head-size
 * growth by an integer ratio maps it (DESIGN.md 2.6), or why it cannot.
 *
 * <p>Optional fields that config.json may leave out are kept as null, so a config reads back as it was written.
 */
public sealed interface RopeScaling {
    /** The Hugging Face rope_type names grow4j understands (besides "default"), for error messages. */
    List<String> KNOWN_TYPES = List.of("linear", "llama3", "dynamic", "yarn", "longrope");

    /** Plain RoPE: theta^(-2i/d). */
    None NONE = new None();

    /** The rope_type name ("default" for none; "rope_freqs" for GGUF's divisors). */
    String type();

    /** One line for {@code inspect}. */
    String describe();

    /**
     * Why this scaling does not fit a head of {@code headSize} dims (per-pair lists of the wrong length); empty when
     * it fits.
     */
    default List<String> problems(int headSize) {
        return List.of();
    }

    /**
     * The scaling of a head grown from {@code headSize} to {@code ratio}·headSize with old pair i placed at pair
     * ratio·i, chosen so that every old pair keeps its frequency at every position and the attention factor is kept.
     *
     * @throws IllegalArgumentException no such scaling exists; the message names the term that depends on the head size
     */
    RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta);

    record None() implements RopeScaling {
        @Override
        public String type() {
            return "default";
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            return this;
        }
    }

    /** Every inverse frequency ÷ factor (positions interpolated). */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            positive("linear", "factor", factor);
        }

        @Override
        public String type() {
            return "linear";
        }

        @Override
        public String describe() {
            return "linear, factor " + factor;
        }

        /** Each frequency depends on its own old value only. */
        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            return this;
        }
    }

    /**
     * Llama 3.1: wavelengths above originalMaxPositions / lowFreqFactor are divided by factor, below
     * originalMaxPositions / highFreqFactor kept, and smoothly interpolated between.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
        public Llama3 {
            positive("llama3", "factor", factor);
            positive("llama3", "low_freq_factor", lowFreqFactor);
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("llama3 rope_scaling: high_freq_factor " + highFreqFactor
                        + " must exceed low_freq_factor " + lowFreqFactor);
            }
            positive("llama3", "original_max_position_embeddings", originalMaxPositions);
        }

        @Override
        public String type() {
            return "llama3";
        }

        @Override
        public String describe() {
            return "llama3, factor " + factor + ", low/high frequency factors " + lowFreqFactor + "/"
                    + highFreqFactor + ", original context " + originalMaxPositions;
        }

        /** The rule reads each pair's own unscaled frequency, which pair ratio·i of the grown head keeps. */
        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            return this;
        }
    }

    /**
     * Dynamic NTK: past max_position_embeddings the base becomes theta·(factor·L/max − (factor − 1))^(d/(d−2)) for a
     * sequence of length L. originalMaxPositions is an optional field transformers accepts but does not use (it
     * takes max_position_embeddings); kept so a config reads back as it was.
     */
    record Dynamic(double factor, Integer originalMaxPositions) implements RopeScaling {
        public Dynamic {
            positive("dynamic", "factor", factor);
        }

        public Dynamic(double factor) {
            this(factor, null);
        }

        @Override
        public String type() {
            return "dynamic";
        }

        @Override
        public String describe() {
            return "dynamic NTK, factor " + factor;
        }

        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            if (ratio == 1) {
                return this;
            }
            throw new IllegalArgumentException("dynamic NTK rope_scaling raises the base to the power d/(d-2) of the"
                    + " head size d past max_position_embeddings " + maxPositions + ", so head size " + headSize
                    + " -> " + ratio * headSize + " changes every frequency of sequences longer than that");
        }
    }

    /**
     * YaRN: inverse frequencies blend the interpolated (÷ factor) and the original ones by a linear ramp over the
     * pairs between the correction dims low and high (from betaFast and betaSlow rotations in originalMaxPositions,
     * floored and ceiled unless truncate is false, clamped to [0, d − 1]); cos and sin × the attention factor.
     * originalMaxPositions null means max_position_embeddings; betaFast, betaSlow default to 32 and 1.
     */
    record Yarn(double factor, Integer originalMaxPositions, Double betaFast, Double betaSlow,
            Double attentionFactor, Double mscale, Double mscaleAllDim, Boolean truncate) implements RopeScaling {
        public Yarn {
            positive("yarn", "factor", factor);
        }

        @Override
        public String type() {
            return "yarn";
        }

        @Override
        public String describe() {
            return "yarn, factor " + factor + (originalMaxPositions == null ? ""
                    : ", original context " + originalMaxPositions) + ", beta fast/slow " + fast() + "/" + slow()
                    + (truncates() ? "" : ", not truncated");
        }

        public double fast() {
            return betaFast == null || betaFast == 0 ? 32 : betaFast;
        }

        public double slow() {
            return betaSlow == null || betaSlow == 0 ? 1 : betaSlow;
        }

        public boolean truncates() {
            return truncate == null || truncate;
        }

        public int original(int maxPositions) {
            return originalMaxPositions == null ? maxPositions : originalMaxPositions;
        }

        /** The attention factor HF applies to cos and sin: given, or from mscale and mscale_all_dim, or 0.1·ln(s) + 1. */
        public double attention() {
            if (attentionFactor != null) {
                return attentionFactor;
            }
            if (mscale != null && mscale != 0 && mscaleAllDim != null && mscaleAllDim != 0) {
                return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
            }
            return yarnMscale(factor, 1);
        }

        private static double yarnMscale(double scale, double m) {
            return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
        }

        /**
         * {low, high}: the clamped correction range of a head of {@code headSize} dims, in pair indices. The ramp of
         * pair i is clamp((i − low) / (high − low), 0, 1).
         */
        public double[] correctionRange(int headSize, double theta, int maxPositions) {
            double low = correctionDim(fast(), headSize, theta, original(maxPositions));
            double high = correctionDim(slow(), headSize, theta, original(maxPositions));
            if (truncates()) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            return new double[] {Math.max(low, 0), Math.min(high, headSize - 1)};
        }

        private static double correctionDim(double rotations, int dim, double theta, int positions) {
            return dim * Math.log(positions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
        }

        /**
         * Exact when the clamped correction range scales by the ratio: pair ratio·i then sits at the same point of
         * the ramp as pair i did.
         */
        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            double[] before = correctionRange(headSize, theta, maxPositions);
            double[] after = correctionRange(ratio * headSize, theta, maxPositions);
            if (sameScaled(before[0], after[0], ratio) && sameScaled(before[1], after[1], ratio)) {
                return this;
            }
            throw new IllegalArgumentException("yarn rope_scaling's correction range (pairs [" + before[0] + ", "
                    + before[1] + "] at head size " + headSize + ") becomes [" + after[0] + ", " + after[1]
                    + "] at head size " + ratio * headSize + ", not " + ratio + " x [" + before[0] + ", " + before[1]
                    + "]" + (truncates() ? " (floor/ceil of beta_fast/beta_slow's correction dims do not scale)" : "")
                    + ": the ramp between interpolated and original frequencies moves");
        }

        private static boolean sameScaled(double old, double grown, int ratio) {
            return Math.abs(grown - ratio * old) <= 1e-12 * Math.max(1, Math.abs(grown));
        }
    }

    /**
     * LongRoPE (Phi-3): inverse frequency of pair i ÷ shortFactor[i] up to originalMaxPositions, ÷ longFactor[i]
     * past it; cos and sin × the attention factor (given, or sqrt(1 + ln(s)/ln(original)) with s = factor or
     * max/original).
     */
    record LongRope(List<Double> shortFactor, List<Double> longFactor, Integer originalMaxPositions, Double factor,
            Double attentionFactor) implements RopeScaling {
        public LongRope {
            shortFactor = List.copyOf(shortFactor);
            longFactor = List.copyOf(longFactor);
            for (List<Double> list : List.of(shortFactor, longFactor)) {
                for (double v : list) {
                    positive("longrope", list == shortFactor ? "short_factor" : "long_factor", v);
                }
            }
        }

        @Override
        public String type() {
            return "longrope";
        }

        @Override
        public String describe() {
            return "longrope, " + shortFactor.size() + " short and " + longFactor.size() + " long factors"
                    + (originalMaxPositions == null ? "" : ", original context " + originalMaxPositions);
        }

        public int original(int maxPositions) {
            return originalMaxPositions == null ? maxPositions : originalMaxPositions;
        }

        public double attention(int maxPositions) {
            if (attentionFactor != null) {
                return attentionFactor;
            }
            double s = factor != null ? factor : (double) maxPositions / original(maxPositions);
            return s <= 1 ? 1.0 : Math.sqrt(1 + Math.log(s) / Math.log(original(maxPositions)));
        }

        @Override
        public List<String> problems(int headSize) {
            List<String> problems = new ArrayList<>();
            listLength(problems, "rope_scaling.short_factor", shortFactor.size(), headSize);
            listLength(problems, "rope_scaling.long_factor", longFactor.size(), headSize);
            return problems;
        }

        /**
         * new[ratio·i] = old[i]; the new pairs between get factor 1 (any positive value would do: their key dims are
         * zero, so they never reach an attention score).
         */
        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            return new LongRope(spread(shortFactor, ratio), spread(longFactor, ratio), originalMaxPositions, factor,
                    attentionFactor);
        }
    }

    /**
     * GGUF's rope_freqs.weight (Llama 3.1 in llama.cpp): the inverse frequency of pair i ÷ divisors[i]. The divisors
     * are float32 values in the file.
     */
    record FrequencyDivisors(List<Double> divisors) implements RopeScaling {
        public FrequencyDivisors {
            divisors = List.copyOf(divisors);
            for (double v : divisors) {
                positive("rope_freqs.weight", "entry", v);
            }
        }

        @Override
        public String type() {
            return "rope_freqs";
        }

        @Override
        public String describe() {
            return "per-pair frequency divisors (rope_freqs.weight, " + divisors.size() + " pairs)";
        }

        @Override
        public List<String> problems(int headSize) {
            List<String> problems = new ArrayList<>();
            listLength(problems, "rope_freqs.weight", divisors.size(), headSize);
            return problems;
        }

        /** new[ratio·i] = old[i]; new pairs ÷ 1 (their key dims are zero). */
        @Override
        public RopeScaling grownBy(int ratio, int headSize, int maxPositions, double theta) {
            return new FrequencyDivisors(spread(divisors, ratio));
        }
    }

    private static void listLength(List<String> problems, String field, int length, int headSize) {
        if (length != headSize / 2) {
            problems.add(field + " has " + length + " entries, but a head of size " + headSize + " has "
                    + headSize / 2 + " rotary pairs");
        }
    }

    /** Entry i at index ratio·i, 1.0 between. */
    private static List<Double> spread(List<Double> values, int ratio) {
        List<Double> out = new ArrayList<>();
        for (double v : values) {
            out.add(v);
            for (int j = 1; j < ratio; j++) {
                out.add(1.0);
            }
        }
        return out;
    }

    private static void positive(String type, String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(type + " rope_scaling: " + field + " must be a positive number, got "
                    + value);
        }
    }
}
