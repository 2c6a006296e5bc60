package io.grow4j.model;

import java.util.function.ToIntFunction;

/**
 * What an axis of a weight means. Growth steps say how each kind of axis maps old indices to new ones, and every
 * tensor whose axes are of that kind follows, so no step has to know tensor names.
 */
public enum Dim {
    VOCAB(c -> c.vocabSize()),
    HIDDEN(c -> c.hidden()),
    POSITIONS(c -> c.maxSeqLen()),
    /** BERT's token types (segment A/B). */
    TOKEN_TYPES(c -> c.typeVocabSize()),
    /** Query heads × key size: rows of Wq. */
    Q_KEY(c -> c.attention().queryHeads() * c.attention().keySize()),
    /** Key/value heads × key size: rows of Wk. */
    KV_KEY(c -> c.attention().kvHeads() * c.attention().keySize()),
    /** Key/value heads × value size: rows of Wv. */
    KV_VALUE(c -> c.attention().kvHeads() * c.attention().valueSize()),
    /** Query heads × value size: the attention output, columns of Wo. */
    Q_VALUE(c -> c.attention().queryHeads() * c.attention().valueSize()),
    MLP(c -> c.mlp().size()),
    /** One head's key size: a per-head QK-norm gain, shared by every head. */
    HEAD_KEY(c -> c.attention().keySize()),
    /** The experts of a mixture-of-experts MLP: rows of the router, the leading axis of stacked expert weights. */
    EXPERTS(c -> c.mlp().experts()),
    /** The shared expert's inner width (Qwen2-MoE's shared_expert_intermediate_size). */
    SHARED_MLP(c -> c.mlp().sharedSize()),
    /** An axis of one entry: the shared expert's gate, a single logit. Never grows. */
    ONE(c -> 1);

    /**
     * The largest size of any axis: growth maps every axis with an int[] of its length, and a Java array holds at most
     * this many elements (the VM reserves a few header words below Integer.MAX_VALUE).
     */
    public static final int MAX_SIZE = Integer.MAX_VALUE - 8;

    private final ToIntFunction<TransformerConfig> size;

    Dim(ToIntFunction<TransformerConfig> size) {
        this.size = size;
    }

    public int size(TransformerConfig config) {
        return size.applyAsInt(config);
    }
}
