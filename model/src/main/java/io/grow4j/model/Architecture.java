package io.grow4j.model;

/**
 * Model families as a table: what each one's blocks look like. Growth steps and forward passes read these facts
 * instead of branching on the family; formats map each family's tensor names.
 *
 * <p>separateHeadSizes: keys/queries and values have their own per-head size (only the paper's decoder stores two);
 * postNorm: the norm follows each residual add (BERT) instead of preceding each block; causal: attention sees only
 * earlier positions; embeddingNorm: a norm right after the embeddings; languageModelHead: outputs vocabulary logits
 * (BERT outputs its last hidden states instead).
 */
public enum Architecture {
    /** The paper's decoder: pre-RMSNorm, key/query size and value size per head chosen independently. */
    GENERIC("generic", true, NormKind.RMS, false, true, false, true),
    /** Llama: RMSNorm, RoPE, grouped-query attention, SwiGLU. */
    LLAMA("llama", false, NormKind.RMS, false, true, false, true),
    /** Mistral: Llama's blocks (sliding-window attention only matters past its window). */
    MISTRAL("mistral", false, NormKind.RMS, false, true, false, true),
    /** Qwen2: Llama's blocks with biases on Q, K and V (not on the output projection). */
    QWEN2("qwen2", false, NormKind.RMS, false, true, false, true),
    /** GPT-2: pre-LayerNorm with biases, learned positions, tied head, tanh GELU, fused QKV stored [in, out]. */
    GPT2("gpt2", false, NormKind.LAYER, false, true, false, true),
    /** BERT: post-LayerNorm encoder, token types, embedding LayerNorm, GELU; outputs hidden states. */
    BERT("bert", false, NormKind.LAYER, true, false, true, false);

    private final String id;
    private final boolean separateHeadSizes;
    private final NormKind norm;
    private final boolean postNorm;
    private final boolean causal;
    private final boolean embeddingNorm;
    private final boolean languageModelHead;

    Architecture(String id, boolean separateHeadSizes, NormKind norm, boolean postNorm, boolean causal,
                 boolean embeddingNorm, boolean languageModelHead) {
        this.id = id;
        this.separateHeadSizes = separateHeadSizes;
        this.norm = norm;
        this.postNorm = postNorm;
        this.causal = causal;
        this.embeddingNorm = embeddingNorm;
        this.languageModelHead = languageModelHead;
    }

    public String id() {
        return id;
    }

    public boolean separateHeadSizes() {
        return separateHeadSizes;
    }

    public NormKind norm() {
        return norm;
    }

    public boolean postNorm() {
        return postNorm;
    }

    public boolean causal() {
        return causal;
    }

    public boolean embeddingNorm() {
        return embeddingNorm;
    }

    public boolean languageModelHead() {
        return languageModelHead;
    }

    public static Architecture fromId(String id) {
        for (Architecture a : values()) {
            if (a.id.equals(id)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + id + "' (supported: " + supported() + ")");
    }

    public static String supported() {
        StringBuilder s = new StringBuilder();
        for (Architecture a : values()) {
            s.append(s.isEmpty() ? "" : ", ").append(a.id);
        }
        return s.toString();
    }
}
