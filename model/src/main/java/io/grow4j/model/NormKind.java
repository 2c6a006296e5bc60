package io.grow4j.model;

/** Normalisation: RMSNorm (gain only), RMSNorm with gain (1 + w) (Gemma), or LayerNorm (mean removed, gain and bias). */
public enum NormKind {
    RMS,
    LAYER,
    /**
     * RMSNorm whose output is multiplied by (1 + w), w the stored weight (HF transformers Gemma2RMSNorm and
     * Gemma3RMSNorm, in float32): growth rules scale (1 + w), not w (DESIGN 2.6).
     */
    RMS_UNIT_OFFSET;

    /** RMSNorm with either gain: no mean removed, no bias. */
    public boolean rms() {
        return this != LAYER;
    }

    /** The gain a stored weight w stands for: w, or 1 + w. */
    public double offset() {
        return this == RMS_UNIT_OFFSET ? 1.0 : 0.0;
    }
}
