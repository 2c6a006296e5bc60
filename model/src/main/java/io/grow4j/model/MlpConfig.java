package io.grow4j.model;

/**
 * Feed-forward block: size is the inner width (p in the paper), of every expert when the block is a mixture of
 * experts. experts is the number of expert MLPs and topK how many run per token (both 0 for a dense MLP).
 */
public record MlpConfig(int size, Activation activation, boolean bias, int experts, int topK) {
    public MlpConfig {
        if (size <= 0) {
            throw new IllegalArgumentException("MLP size must be positive, got " + size);
        }
        if (experts < 0 || (experts == 0) != (topK == 0) || topK < 0 || topK > experts) {
            throw new IllegalArgumentException("a mixture of experts needs 1 <= top_k <= experts (both 0 for a dense"
                    + " MLP), got experts " + experts + ", top_k " + topK);
        }
    }

    /** A dense MLP. */
    public MlpConfig(int size, Activation activation, boolean bias) {
        this(size, activation, bias, 0, 0);
    }

    public MlpConfig withSize(int newSize) {
        return new MlpConfig(newSize, activation, bias, experts, topK);
    }

    /** The same MLP as each of {@code count} experts, {@code k} of them run per token. */
    public MlpConfig withExperts(int count, int k) {
        return new MlpConfig(size, activation, bias, count, k);
    }
}
