package io.grow4j.model;

/** Feed-forward block: size is the inner width (p in the paper). */
public record MlpConfig(int size, Activation activation, boolean bias) {
    public MlpConfig {
        if (size <= 0) {
            throw new IllegalArgumentException("MLP size must be positive, got " + size);
        }
    }

    public MlpConfig withSize(int newSize) {
        return new MlpConfig(newSize, activation, bias);
    }
}
