package io.grow4j.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A model family as one row of named block parts (DESIGN.md section 3). Every forward pass (float, double reference,
 * device, encoder) and every growth step reads these parts instead of branching on the family, so a new family is a
 * new row and, at most, a new part. Sizes and per-model numbers (epsilon, RoPE base) live in
 * {@link TransformerConfig}; how positions are encoded is {@link Positions}, also per model.
 *
 * @param id        the family's name in plans, inspect output and grow4j's own files
 * @param norm      which normalisation and where it sits in the block
 * @param qkNorm    whether queries and keys are normalised before RoPE, and over what
 * @param mask      which positions attention sees
 * @param embedding what happens to the token embedding before the first block
 * @param headSizes whether values have their own per-head size
 * @param output    what the model outputs after the last block
 * @param mlpKind   one dense MLP per block, or a routed mixture of expert MLPs (sizes in {@link MlpConfig})
 * @param residual  how the two branches of a block meet the residual stream: one after the other, or side by side
 */
public record Architecture(String id, Norm norm, QkNorm qkNorm, AttentionMask mask, Embedding embedding,
                           HeadSizes headSizes, Output output, MlpKind mlpKind, Residual residual) {

    /** Every row before residual wiring became a part: the branches run one after the other. */
    public Architecture(String id, Norm norm, QkNorm qkNorm, AttentionMask mask, Embedding embedding,
                        HeadSizes headSizes, Output output, MlpKind mlpKind) {
        this(id, norm, qkNorm, mask, embedding, headSizes, output, mlpKind, Residual.SEQUENTIAL);
    }

    /** A norm: its kind and where it sits. */
    public record Norm(NormKind kind, NormPlacement placement) {
    }

    /** Where a block's norms sit relative to its branches and the residual stream. */
    public enum NormPlacement {
        /** Before each branch, on its input (Llama, GPT-2); a final norm before the head. */
        PRE,
        /**
         * After each branch, on its output, inside the residual: x + norm(f(x)) (OLMo-2). The branches read the raw
         * residual stream; a final norm before the head.
         */
        POST_BRANCH,
        /** After each residual add: x ← norm(x + f(x)) (BERT). The blocks end normalised, so no final norm. */
        POST_RESIDUAL,
        /**
         * Before and after each branch, inside the residual: x + post(f(pre(x))) with four norms per block (Gemma 2
         * and 3's input, post-attention, pre-feedforward and post-feedforward norms); a final norm before the head.
         */
        SANDWICH;

        /** The branch reads the normed stream. */
        public boolean normsInput() {
            return this == PRE || this == SANDWICH;
        }

        /** The branch's output is normed before it joins the residual stream. */
        public boolean normsOutput() {
            return this == POST_BRANCH || this == SANDWICH;
        }
    }

    /**
     * RMSNorm of queries and keys before RoPE, sharing the block norms' epsilon (DESIGN 2.6). Its gains are the
     * roles {@link Role#Q_HEAD_NORM}/{@link Role#K_HEAD_NORM} (per head) or {@link Role#Q_NORM}/{@link Role#K_NORM}
     * (whole projection).
     */
    public enum QkNorm {
        NONE,
        /** Each head's query (key) vector over the head size, one gain of head-size entries shared by all heads. */
        PER_HEAD,
        /** The whole query (key) projection, all heads at once, one gain entry per projection row (OLMo-2). */
        WHOLE_PROJECTION
    }

    public enum AttentionMask {
        /** Position t sees positions 0..t (decoders). */
        CAUSAL,
        /** Every position sees every position (encoders). */
        BIDIRECTIONAL
    }

    public enum Embedding {
        /** The token embedding (plus learned positions) enters the first block as it is. */
        PLAIN,
        /** A norm with its own gain and bias right after the embeddings (BERT). */
        NORMED,
        /**
         * The token embedding × sqrt(hidden), the multiplier rounded to the embedding's dtype as HF transformers
         * does (Gemma's normalizer); growing hidden therefore rescales the embedding (DESIGN 2.6).
         */
        SCALED
    }

    public enum HeadSizes {
        /** Queries, keys and values share one per-head size (every published family). */
        SHARED,
        /** Keys/queries and values each have their own per-head size (the paper's decoder). */
        SEPARATE
    }

    public enum Output {
        /** Vocabulary logits through a head (possibly tied to the token embedding). */
        LOGITS,
        /** The last hidden states (BERT). */
        HIDDEN_STATES
    }

    public enum MlpKind {
        /** One MLP per block. */
        DENSE,
        /**
         * Mixtral's sparse block: a router (experts × hidden) scores the normed input, softmax over all experts,
         * the top-k experts (ties to the lower index) run, their outputs weighted by the softmax renormalised over
         * the chosen k (HF transformers modeling_mixtral.py, MixtralSparseMoeBlock).
         */
        MIXTURE_OF_EXPERTS,
        /**
         * Qwen2-MoE's sparse block: the routed experts as above (weights renormalised only with norm_topk_prob,
         * {@link MlpConfig#normTopK()}) plus a shared SwiGLU expert every token runs, its output × sigmoid(g · x)
         * (HF transformers modeling_qwen2_moe.py, Qwen2MoeSparseMoeBlock).
         */
        MIXTURE_WITH_SHARED_EXPERT
    }

    /** How a block's attention and MLP branches are wired into the residual stream. */
    public enum Residual {
        /** x ← x + attn(x), then x ← x + mlp(x): the MLP reads the stream after attention was added. */
        SEQUENTIAL,
        /**
         * x ← x + attn(n1(x)) + mlp(n2(x)): both branches read the block's input (GPT-NeoX's use_parallel_residual,
         * HF transformers modeling_gpt_neox.py, GPTNeoXLayer).
         */
        PARALLEL
    }

    private static final Architecture PRE_RMS_DECODER = new Architecture("llama",
            new Norm(NormKind.RMS, NormPlacement.PRE), QkNorm.NONE, AttentionMask.CAUSAL, Embedding.PLAIN,
            HeadSizes.SHARED, Output.LOGITS, MlpKind.DENSE);

    /** The paper's decoder: pre-RMSNorm, key/query size and value size per head chosen independently. */
    public static final Architecture GENERIC = PRE_RMS_DECODER.withId("generic").withHeadSizes(HeadSizes.SEPARATE);
    /** Llama: pre-RMSNorm, RoPE, grouped-query attention, SwiGLU. */
    public static final Architecture LLAMA = PRE_RMS_DECODER;
    /** Mistral: Llama's blocks (sliding-window attention only matters past its window). */
    public static final Architecture MISTRAL = PRE_RMS_DECODER.withId("mistral");
    /** Qwen2: Llama's blocks with biases on Q, K and V (not on the output projection). */
    public static final Architecture QWEN2 = PRE_RMS_DECODER.withId("qwen2");
    /** GPT-2: pre-LayerNorm with biases, learned positions, tied head, tanh GELU, fused QKV stored [in, out]. */
    public static final Architecture GPT2 = PRE_RMS_DECODER.withId("gpt2")
            .withNorm(new Norm(NormKind.LAYER, NormPlacement.PRE));
    /** BERT: post-LayerNorm encoder, token types, embedding LayerNorm, GELU; outputs hidden states. */
    public static final Architecture BERT = new Architecture("bert",
            new Norm(NormKind.LAYER, NormPlacement.POST_RESIDUAL), QkNorm.NONE, AttentionMask.BIDIRECTIONAL,
            Embedding.NORMED, HeadSizes.SHARED, Output.HIDDEN_STATES, MlpKind.DENSE);

    /** Qwen3: Llama's blocks with RMSNorm on each query and key head before RoPE (q_norm, k_norm). */
    public static final Architecture QWEN3 = PRE_RMS_DECODER.withId("qwen3").withQkNorm(QkNorm.PER_HEAD);
    /**
     * OLMo-2: RMSNorm after each branch inside the residual (no norm on a branch's input) and RMSNorm over the whole
     * query and key projections before RoPE.
     */
    public static final Architecture OLMO2 = PRE_RMS_DECODER.withId("olmo2")
            .withNorm(new Norm(NormKind.RMS, NormPlacement.POST_BRANCH)).withQkNorm(QkNorm.WHOLE_PROJECTION);

    /** Mixtral: Llama's blocks with a sparse mixture of SwiGLU experts in place of the MLP. */
    public static final Architecture MIXTRAL = PRE_RMS_DECODER.withId("mixtral")
            .withMlpKind(MlpKind.MIXTURE_OF_EXPERTS);

    /**
     * Gemma 2: (1 + w) RMSNorm before and after each branch, embeddings × sqrt(hidden), GeGLU; its attention scalar,
     * soft caps and alternating sliding layers are numbers of the model ({@link AttentionShape}).
     */
    public static final Architecture GEMMA2 = PRE_RMS_DECODER.withId("gemma2")
            .withNorm(new Norm(NormKind.RMS_UNIT_OFFSET, NormPlacement.SANDWICH)).withEmbedding(Embedding.SCALED);
    /** Gemma 3 (text): Gemma 2's blocks with (1 + w) RMSNorm on each query and key head before RoPE. */
    public static final Architecture GEMMA3 = GEMMA2.withId("gemma3").withQkNorm(QkNorm.PER_HEAD);

    /**
     * GPT-NeoX / Pythia: pre-LayerNorm with biases, both branches reading the block's input (parallel residual),
     * partial rotary ({@link Positions.Rope#fraction()}), Q, K and V fused per head, exact GELU, untied head.
     */
    public static final Architecture GPT_NEOX = PRE_RMS_DECODER.withId("gpt_neox")
            .withNorm(new Norm(NormKind.LAYER, NormPlacement.PRE)).withResidual(Residual.PARALLEL);
    /** GPT-NeoX with use_parallel_residual false: GPT-NeoX's tensors, branches one after the other. */
    public static final Architecture GPT_NEOX_SEQUENTIAL = GPT_NEOX.withId("gpt_neox_sequential")
            .withResidual(Residual.SEQUENTIAL);

    /**
     * Qwen2-MoE: Qwen2's blocks (Q/K/V biases) with a routed mixture of SwiGLU experts plus a shared expert gated by
     * sigmoid, weights renormalised only when norm_topk_prob (HF transformers modeling_qwen2_moe.py).
     */
    public static final Architecture QWEN2_MOE = QWEN2.withId("qwen2_moe")
            .withMlpKind(MlpKind.MIXTURE_WITH_SHARED_EXPERT);

    /**
     * Phi-3: Llama's blocks with Q, K, V fused in one projection and gate and up in another (a storage matter, see
     * the format's tensor rows); partial rotary is per model ({@link Positions.Rope#fraction()}).
     */
    public static final Architecture PHI3 = PRE_RMS_DECODER.withId("phi3");
    /** SmolLM3: Llama's blocks; some layers have no RoPE ({@link Positions.Rope#nopeLayers}, per model). */
    public static final Architecture SMOLLM3 = PRE_RMS_DECODER.withId("smollm3");

    /** Every family, in the order they are listed to users. */
    public static final List<Architecture> ALL = List.of(GENERIC, LLAMA, MISTRAL, QWEN2, QWEN3, OLMO2, GPT2, BERT,
            MIXTRAL, QWEN2_MOE, GEMMA2, GEMMA3, GPT_NEOX, GPT_NEOX_SEQUENTIAL, PHI3, SMOLLM3);

    public Architecture withId(String newId) {
        return new Architecture(newId, norm, qkNorm, mask, embedding, headSizes, output, mlpKind, residual);
    }

    public Architecture withNorm(Norm newNorm) {
        return new Architecture(id, newNorm, qkNorm, mask, embedding, headSizes, output, mlpKind, residual);
    }

    public Architecture withQkNorm(QkNorm newQkNorm) {
        return new Architecture(id, norm, newQkNorm, mask, embedding, headSizes, output, mlpKind, residual);
    }

    public Architecture withHeadSizes(HeadSizes newHeadSizes) {
        return new Architecture(id, norm, qkNorm, mask, embedding, newHeadSizes, output, mlpKind, residual);
    }

    public Architecture withEmbedding(Embedding newEmbedding) {
        return new Architecture(id, norm, qkNorm, mask, newEmbedding, headSizes, output, mlpKind, residual);
    }

    public Architecture withMlpKind(MlpKind newMlpKind) {
        return new Architecture(id, norm, qkNorm, mask, embedding, headSizes, output, newMlpKind, residual);
    }

    public Architecture withResidual(Residual newResidual) {
        return new Architecture(id, norm, qkNorm, mask, embedding, headSizes, output, mlpKind, newResidual);
    }

    /** Both branches read the block's input (GPT-NeoX). */
    public boolean parallelResidual() {
        return residual == Residual.PARALLEL;
    }

    /** The MLP is a routed mixture of experts. */
    public boolean mixtureOfExperts() {
        return mlpKind != MlpKind.DENSE;
    }

    /** The mixture of experts has a shared expert beside the routed ones. */
    public boolean sharedExpert() {
        return mlpKind == MlpKind.MIXTURE_WITH_SHARED_EXPERT;
    }

    /**
     * The family whose blocks are this one's with a mixture of experts in place of the MLP, if there is one: the
     * target of dense-to-MoE upcycling (llama and mistral become mixtral, qwen2 qwen2_moe).
     */
    public java.util.Optional<Architecture> withExperts() {
        List<Architecture> matches = ALL.stream()
                .filter(a -> a.mixtureOfExperts() && a.withId(id).withMlpKind(mlpKind).equals(this)).toList();
        // Several rows have the same parts (biases are per model): the family's own MoE sibling, named as
        // transformers names them (qwen2 -> qwen2_moe), comes first; otherwise the first (mixtral).
        return matches.stream().filter(a -> a.id.equals(id + "_moe")).findFirst()
                .or(() -> matches.stream().findFirst());
    }

    public boolean separateHeadSizes() {
        return headSizes == HeadSizes.SEPARATE;
    }

    /** The norm follows each residual add (BERT). */
    public boolean postNorm() {
        return norm.placement() == NormPlacement.POST_RESIDUAL;
    }

    public boolean causal() {
        return mask == AttentionMask.CAUSAL;
    }

    public boolean embeddingNorm() {
        return embedding == Embedding.NORMED;
    }

    /** The token embedding is multiplied by sqrt(hidden) before the first block. */
    public boolean scaledEmbedding() {
        return embedding == Embedding.SCALED;
    }

    public boolean languageModelHead() {
        return output == Output.LOGITS;
    }

    public boolean hasQkNorm() {
        return qkNorm != QkNorm.NONE;
    }

    public static Architecture fromId(String id) {
        return ALL.stream().filter(a -> a.id.equals(id)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown architecture '" + id + "' (supported: " + supported() + ")"));
    }

    public static String supported() {
        return ALL.stream().map(Architecture::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
