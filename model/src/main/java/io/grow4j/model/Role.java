package io.grow4j.model;

import java.util.List;
import java.util.function.Predicate;

/**
 * The tensors of a decoder block and around it, with the meaning of each axis. Linear weights are stored
 * [out, in] as in PyTorch. Formats map roles to their own names; growth steps map axes by {@link Dim}.
 */
public enum Role {
    TOKEN_EMBEDDING(false, c -> true, Dim.VOCAB, Dim.HIDDEN),
    POSITION_EMBEDDING(false, c -> c.positions() instanceof Positions.Learned, Dim.POSITIONS, Dim.HIDDEN),
    /** BERT's segment embeddings. */
    TOKEN_TYPE_EMBEDDING(false, c -> c.typeVocabSize() > 0, Dim.TOKEN_TYPES, Dim.HIDDEN),
    /** BERT's LayerNorm right after the embeddings. */
    EMBEDDING_NORM(false, c -> c.architecture().embeddingNorm(), Dim.HIDDEN),
    EMBEDDING_NORM_BIAS(false, c -> c.architecture().embeddingNorm(), Dim.HIDDEN),
    /**
     * Before attention (pre-norm), after the attention branch inside the residual (OLMo-2's post_attention_layernorm),
     * or after the attention residual add (post-norm).
     */
    ATTENTION_NORM(true, c -> true, Dim.HIDDEN),
    ATTENTION_NORM_BIAS(true, Role::layerNorm, Dim.HIDDEN),
    WQ(true, c -> true, Dim.Q_KEY, Dim.HIDDEN),
    BQ(true, c -> c.attention().bias(), Dim.Q_KEY),
    WK(true, c -> true, Dim.KV_KEY, Dim.HIDDEN),
    BK(true, c -> c.attention().bias(), Dim.KV_KEY),
    WV(true, c -> true, Dim.KV_VALUE, Dim.HIDDEN),
    BV(true, c -> c.attention().bias(), Dim.KV_VALUE),
    WO(true, c -> true, Dim.HIDDEN, Dim.Q_VALUE),
    BO(true, c -> c.attention().outputBias(), Dim.HIDDEN),
    /** Before the MLP (pre-norm), after the MLP branch inside the residual, or after the MLP residual add. */
    MLP_NORM(true, c -> true, Dim.HIDDEN),
    MLP_NORM_BIAS(true, Role::layerNorm, Dim.HIDDEN),
    /** SwiGLU gate (llama2.c w1). */
    W_GATE(true, c -> dense(c) && c.mlp().activation().gated(), Dim.MLP, Dim.HIDDEN),
    /** First MLP layer (llama2.c w3 for SwiGLU). */
    W_UP(true, Role::dense, Dim.MLP, Dim.HIDDEN),
    B_UP(true, c -> c.mlp().bias(), Dim.MLP),
    /** Second MLP layer (llama2.c w2). */
    W_DOWN(true, Role::dense, Dim.HIDDEN, Dim.MLP),
    B_DOWN(true, c -> c.mlp().bias(), Dim.HIDDEN),
    /** Pre-norm models only: post-norm blocks end normalised already. */
    FINAL_NORM(false, c -> !c.postNorm(), Dim.HIDDEN),
    FINAL_NORM_BIAS(false, c -> !c.postNorm() && layerNorm(c), Dim.HIDDEN),
    /** Output head; absent when tied to the token embedding or when the family outputs hidden states. */
    OUTPUT(false, c -> c.architecture().languageModelHead() && !c.tiedEmbeddings(), Dim.VOCAB, Dim.HIDDEN),
    /*
     * Roles below were added later and stay last: growth seeds its fills by role ordinal, so inserting a role above
     * would change the arbitrary entries every existing plan produces.
     */
    /** BERT's pooler, tanh(W·h[0] + b) on the first position: reads hidden dims and writes pooled hidden dims. */
    POOLER(false, TransformerConfig::pooler, Dim.HIDDEN, Dim.HIDDEN),
    POOLER_BIAS(false, TransformerConfig::pooler, Dim.HIDDEN),
    /** Per-head QK-norm gains (Qwen3's q_norm/k_norm), applied to every head's query (key) before RoPE. */
    Q_HEAD_NORM(true, c -> c.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD, Dim.HEAD_KEY),
    K_HEAD_NORM(true, c -> c.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD, Dim.HEAD_KEY),
    /** Whole-projection QK-norm gains (OLMo-2's q_norm/k_norm), one entry per query (key) projection row. */
    Q_NORM(true, c -> c.architecture().qkNorm() == Architecture.QkNorm.WHOLE_PROJECTION, Dim.Q_KEY),
    K_NORM(true, c -> c.architecture().qkNorm() == Architecture.QkNorm.WHOLE_PROJECTION, Dim.KV_KEY),
    /** Bias of a gated MLP's gate (Llama's mlp_bias puts biases on gate, up and down alike). */
    B_GATE(true, c -> c.mlp().bias() && c.mlp().activation().gated(), Dim.MLP),
    /** Mixture of experts: the router (Mixtral's block_sparse_moe.gate), one row of logits per expert. */
    ROUTER(true, Role::experts, Dim.EXPERTS, Dim.HIDDEN),
    /**
     * Every expert's SwiGLU gate (Mixtral's w1), stacked on a leading expert axis as GGUF's ffn_gate_exps: growth
     * steps then treat an expert's slice exactly like a dense MLP's tensor, and the expert axis is never grown.
     */
    EXPERT_GATE(true, Role::experts, Dim.EXPERTS, Dim.MLP, Dim.HIDDEN),
    /** Every expert's up projection (Mixtral's w3), stacked. */
    EXPERT_UP(true, Role::experts, Dim.EXPERTS, Dim.MLP, Dim.HIDDEN),
    /** Every expert's down projection (Mixtral's w2), stacked. */
    EXPERT_DOWN(true, Role::experts, Dim.EXPERTS, Dim.HIDDEN, Dim.MLP),
    /**
     * Sandwich norms only (Gemma): the norm of the attention branch's output before the residual add (HF
     * post_attention_layernorm); {@link #ATTENTION_NORM} is then the input norm (input_layernorm).
     */
    ATTENTION_POST_NORM(true, Role::sandwich, Dim.HIDDEN),
    /**
     * Sandwich norms only: the norm of the MLP branch's output (post_feedforward_layernorm); {@link #MLP_NORM} is
     * then pre_feedforward_layernorm.
     */
    MLP_POST_NORM(true, Role::sandwich, Dim.HIDDEN),
    /** The shared expert's SwiGLU gate (Qwen2-MoE's mlp.shared_expert.gate_proj), run for every token. */
    SHARED_GATE(true, Role::sharedExpert, Dim.SHARED_MLP, Dim.HIDDEN),
    SHARED_UP(true, Role::sharedExpert, Dim.SHARED_MLP, Dim.HIDDEN),
    SHARED_DOWN(true, Role::sharedExpert, Dim.HIDDEN, Dim.SHARED_MLP),
    /** One row: the shared expert's output is × sigmoid(this · x) (Qwen2-MoE's mlp.shared_expert_gate). */
    SHARED_EXPERT_GATE(true, Role::sharedExpert, Dim.ONE, Dim.HIDDEN);

    private final boolean perLayer;
    private final Predicate<TransformerConfig> present;
    private final List<Dim> axes;

    Role(boolean perLayer, Predicate<TransformerConfig> present, Dim... axes) {
        this.perLayer = perLayer;
        this.present = present;
        this.axes = List.of(axes);
    }

    public boolean perLayer() {
        return perLayer;
    }

    public boolean presentIn(TransformerConfig config) {
        return present.test(config);
    }

    public List<Dim> axes() {
        return axes;
    }

    public long[] shape(TransformerConfig config) {
        long[] shape = new long[axes.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = axes.get(i).size(config);
        }
        return shape;
    }

    /** Norm gains (block, final, embedding and QK-norms). */
    public boolean isNorm() {
        return this == ATTENTION_NORM || this == MLP_NORM || this == FINAL_NORM || this == EMBEDDING_NORM
                || this == ATTENTION_POST_NORM || this == MLP_POST_NORM || isQkNorm();
    }

    /** QK-norm gains, per head or over the whole projection. */
    public boolean isQkNorm() {
        return this == Q_HEAD_NORM || this == K_HEAD_NORM || this == Q_NORM || this == K_NORM;
    }

    /** LayerNorm biases. */
    public boolean isNormBias() {
        return this == ATTENTION_NORM_BIAS || this == MLP_NORM_BIAS || this == FINAL_NORM_BIAS
                || this == EMBEDDING_NORM_BIAS;
    }

    private static boolean dense(TransformerConfig c) {
        return !c.architecture().mixtureOfExperts();
    }

    private static boolean experts(TransformerConfig c) {
        return c.architecture().mixtureOfExperts();
    }

    private static boolean sandwich(TransformerConfig c) {
        return c.normPlacement() == Architecture.NormPlacement.SANDWICH;
    }

    private static boolean sharedExpert(TransformerConfig c) {
        return c.architecture().sharedExpert() && c.mlp().hasSharedExpert();
    }

    private static boolean layerNorm(TransformerConfig c) {
        return c.normKind() == NormKind.LAYER;
    }
}
