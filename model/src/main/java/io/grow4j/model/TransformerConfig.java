package io.grow4j.model;

/**
 * Every size of a transformer, explicitly; what its blocks look like comes from the family table
 * ({@link Architecture}). Growth steps map one config to another; formats read and write it. normEps is part of the
 * function: hidden growth rescales it (DESIGN.md 2.1). typeVocabSize is BERT's token-type count (0: none); pooler says
 * whether an encoder carries BERT's pooler (a dense layer with tanh on the first position's hidden state), which a
 * checkpoint may hold or drop. attentionShape holds Gemma's attention scalar, soft caps and sliding layers
 * ({@link AttentionShape#STANDARD} elsewhere).
 */
public record TransformerConfig(
        Architecture architecture,
        int vocabSize,
        int hidden,
        int layers,
        int maxSeqLen,
        AttentionConfig attention,
        MlpConfig mlp,
        double normEps,
        Positions positions,
        boolean tiedEmbeddings,
        int typeVocabSize,
        boolean pooler,
        AttentionShape attentionShape) {

    /** A config with plain attention ({@link AttentionShape#STANDARD}): every family but Gemma's. */
    public TransformerConfig(Architecture architecture, int vocabSize, int hidden, int layers, int maxSeqLen,
                             AttentionConfig attention, MlpConfig mlp, double normEps, Positions positions,
                             boolean tiedEmbeddings, int typeVocabSize, boolean pooler) {
        this(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps, positions, tiedEmbeddings,
                typeVocabSize, pooler, AttentionShape.STANDARD);
    }

    /** A config without token types (every family but BERT). */
    public TransformerConfig(Architecture architecture, int vocabSize, int hidden, int layers, int maxSeqLen,
                             AttentionConfig attention, MlpConfig mlp, double normEps, Positions positions,
                             boolean tiedEmbeddings) {
        this(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps, positions, tiedEmbeddings, 0);
    }

    /** A config without a pooler. */
    public TransformerConfig(Architecture architecture, int vocabSize, int hidden, int layers, int maxSeqLen,
                             AttentionConfig attention, MlpConfig mlp, double normEps, Positions positions,
                             boolean tiedEmbeddings, int typeVocabSize) {
        this(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps, positions, tiedEmbeddings,
                typeVocabSize, false);
    }

    public TransformerConfig {
        if (vocabSize <= 0 || hidden <= 0 || layers < 0 || maxSeqLen <= 0) {
            throw new IllegalArgumentException("sizes must be positive: vocab " + vocabSize + ", hidden " + hidden
                    + ", layers " + layers + ", max sequence " + maxSeqLen);
        }
        axisLimit("vocabulary", vocabSize);
        axisLimit("hidden size", hidden);
        axisLimit("max sequence length", maxSeqLen);
        axisLimit("MLP size", mlp.size());
        axisLimit("token types", typeVocabSize);
        if (!(normEps >= 0)) {
            throw new IllegalArgumentException("norm epsilon must be >= 0, got " + normEps);
        }
        if (!architecture.separateHeadSizes() && attention.keySize() != attention.valueSize()) {
            throw new IllegalArgumentException(architecture.id() + " has one head size, but key size "
                    + attention.keySize() + " != value size " + attention.valueSize());
        }
        if (typeVocabSize < 0 || (typeVocabSize > 0 && !architecture.embeddingNorm())) {
            throw new IllegalArgumentException(architecture.id() + " has no token types, got type vocabulary "
                    + typeVocabSize);
        }
        if (pooler && architecture.languageModelHead()) {
            throw new IllegalArgumentException(architecture.id() + " outputs logits; only encoders have a pooler");
        }
        if (architecture.mixtureOfExperts() != (mlp.experts() > 0)) {
            throw new IllegalArgumentException(architecture.id() + (architecture.mixtureOfExperts()
                    ? " routes among experts, but the MLP has none" : " has a dense MLP, but the MLP has "
                    + mlp.experts() + " experts"));
        }
        if (mlp.experts() > 0 && (mlp.bias() || !mlp.activation().gated())) {
            throw new IllegalArgumentException("experts are SwiGLU MLPs without biases, got " + mlp.activation()
                    + (mlp.bias() ? " with biases" : ""));
        }
        AttentionShape.check(attentionShape, layers);
        if (positions instanceof Positions.Rope && attention.keySize() % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even key size, got " + attention.keySize());
        }
        if (positions instanceof Positions.Rope rope) {
            ropeParts(rope, attention.keySize(), layers);
        }
    }

    /** Partial rotary and layers without RoPE must fit the head and the stack; scaling lists the rotated pairs. */
    private static void ropeParts(Positions.Rope rope, int keySize, int layers) {
        int rotary = rope.rotaryDims(keySize);
        if (rotary <= 0 || rotary % 2 != 0) {
            throw new IllegalArgumentException("partial RoPE rotates int(" + keySize + " x " + rope.fraction()
                    + ") = " + rotary + " dims of each head; it needs a positive even number");
        }
        if (!rope.scaling().problems(rotary).isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", rope.scaling().problems(rotary)));
        }
        if (!rope.nopeLayers().isEmpty() && rope.nopeLayers().getLast() >= layers) {
            throw new IllegalArgumentException("layers without RoPE " + rope.nopeLayers() + " name a layer past the "
                    + layers + " layers");
        }
    }

    private static void axisLimit(String what, int size) {
        if (size > Dim.MAX_SIZE) {
            throw new IllegalArgumentException(what + " " + size + " exceeds the largest axis, " + Dim.MAX_SIZE);
        }
    }

    public TransformerConfig withHidden(int newHidden, double newEps) {
        return new TransformerConfig(architecture, vocabSize, newHidden, layers, maxSeqLen, attention, mlp, newEps,
                positions, tiedEmbeddings, typeVocabSize, pooler, attentionShape);
    }

    /**
     * The config with {@code newLayers} layers; per-layer attention types follow when every layer has the same one.
     *
     * @throws IllegalStateException the layers' attention types differ (use {@link #withLayers(int, AttentionShape)})
     */
    public TransformerConfig withLayers(int newLayers) {
        return withLayers(newLayers, attentionShape.resized(newLayers));
    }

    /** The config with {@code newLayers} layers whose attention types {@code shape} lists. */
    public TransformerConfig withLayers(int newLayers, AttentionShape shape) {
        return new TransformerConfig(architecture, vocabSize, hidden, newLayers, maxSeqLen, attention, mlp, normEps,
                positions, tiedEmbeddings, typeVocabSize, pooler, shape);
    }

    public TransformerConfig withAttentionShape(AttentionShape shape) {
        return new TransformerConfig(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps,
                positions, tiedEmbeddings, typeVocabSize, pooler, shape);
    }

    public TransformerConfig withAttention(AttentionConfig newAttention) {
        return new TransformerConfig(architecture, vocabSize, hidden, layers, maxSeqLen, newAttention, mlp, normEps,
                positions, tiedEmbeddings, typeVocabSize, pooler, attentionShape);
    }

    public TransformerConfig withPositions(Positions newPositions) {
        return new TransformerConfig(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps,
                newPositions, tiedEmbeddings, typeVocabSize, pooler, attentionShape);
    }

    public TransformerConfig withMlp(MlpConfig newMlp) {
        return new TransformerConfig(architecture, vocabSize, hidden, layers, maxSeqLen, attention, newMlp, normEps,
                positions, tiedEmbeddings, typeVocabSize, pooler, attentionShape);
    }

    public TransformerConfig withPooler(boolean newPooler) {
        return new TransformerConfig(architecture, vocabSize, hidden, layers, maxSeqLen, attention, mlp, normEps,
                positions, tiedEmbeddings, typeVocabSize, newPooler);
    }

    /** The grown-by-upcycling config: same sizes, the family's mixture-of-experts row, E experts, top-k. */
    public TransformerConfig withArchitecture(Architecture newArchitecture, MlpConfig newMlp) {
        return new TransformerConfig(newArchitecture, vocabSize, hidden, layers, maxSeqLen, attention, newMlp,
                normEps, positions, tiedEmbeddings, typeVocabSize, pooler, attentionShape);
    }

    public NormKind normKind() {
        return architecture.norm().kind();
    }

    public Architecture.NormPlacement normPlacement() {
        return architecture.norm().placement();
    }

    public boolean postNorm() {
        return architecture.postNorm();
    }

    public boolean causal() {
        return architecture.causal();
    }

    public boolean usesRope() {
        return positions instanceof Positions.Rope;
    }

    /**
     * Parameter count implied by the config (what {@link Role} shapes add up to).
     *
     * @throws ArithmeticException the count exceeds 2^63 - 1 (sizes no checkpoint can hold)
     */
    public long parameterCount() {
        long total = 0;
        for (Role role : Role.values()) {
            if (role.presentIn(this)) {
                total = Math.addExact(total,
                        Math.multiplyExact(Tensor.elementCount(role.shape(this)), role.perLayer() ? layers : 1));
            }
        }
        return total;
    }
}
