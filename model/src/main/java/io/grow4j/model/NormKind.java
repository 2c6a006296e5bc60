package io.grow4j.model;

/** Normalisation: RMSNorm (gain only) or LayerNorm (mean removed, gain and bias). */
public enum NormKind {
    RMS,
    LAYER
}
