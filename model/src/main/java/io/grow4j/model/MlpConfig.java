package io.grow4j.model;

/**
 * Feed-forward block: size is the inner width (p in the paper), of every expert when the block is a mixture of
 * experts. experts is the number of expert MLPs and topK how many run per token (both 0 for a dense MLP).
 * sharedSize is the inner width of a shared expert that every token runs, gated by sigmoid(w·x) (Qwen2-MoE's
 * shared_expert_intermediate_size; 0: none). normTopK says whether the chosen experts' softmax weights are
 * renormalised to sum to one (Mixtral always; Qwen2-MoE's norm_topk_prob).
 */
public record MlpConfig(int size, Activation activation, boolean bias, int experts, int topK, int sharedSize,
                        boolean normTopK) {
    public MlpConfig {
        if (size <= 0) {
            throw new IllegalArgumentException("MLP size must be positive, got " + size);
        }
        if (experts < 0 || (experts == 0) != (topK == 0) || topK < 0 || topK > experts) {
            throw new IllegalArgumentException("a mixture of experts needs 1 <= top_k <= experts (both 0 for a dense"
                    + " MLP), got experts " + experts + ", top_k " + topK);
        }
        if (sharedSize < 0 || (sharedSize > 0 && experts == 0)) {
            throw new IllegalArgumentException("a shared expert (size " + sharedSize + ") belongs to a mixture of"
                    + " experts, and its size is 0 or more");
        }
    }

    /** A mixture of experts without a shared expert, weights renormalised over the chosen (Mixtral), or dense. */
    public MlpConfig(int size, Activation activation, boolean bias, int experts, int topK) {
        this(size, activation, bias, experts, topK, 0, true);
    }

    /** A dense MLP. */
    public MlpConfig(int size, Activation activation, boolean bias) {
        this(size, activation, bias, 0, 0);
    }

    public MlpConfig withSize(int newSize) {
        return new MlpConfig(newSize, activation, bias, experts, topK, sharedSize, normTopK);
    }

    /** The same MLP as each of {@code count} experts, {@code k} of them run per token. */
    public MlpConfig withExperts(int count, int k) {
        return new MlpConfig(size, activation, bias, count, k, sharedSize, normTopK);
    }

    /** With a shared expert of inner width {@code newSharedSize} (0: none) and the given renormalisation. */
    public MlpConfig withSharedExpert(int newSharedSize, boolean newNormTopK) {
        return new MlpConfig(size, activation, bias, experts, topK, newSharedSize, newNormTopK);
    }

    public boolean hasSharedExpert() {
        return sharedSize > 0;
    }
}
