package io.grow4j.transforms.steps;

import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.NormKind;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.EntryRule;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The three exact ways to widen the residual stream (DESIGN 2.1, 2.2), one per kind of norm, as data: how the
 * hidden axis maps, how each role's tensors treat it, and what happens to epsilon.
 *
 * <ul>
 *   <li>ZERO_FILL (pre-RMSNorm): writers write zeros in the new dims; RMSNorm sees mean(x²)·h/h', so gains ×
 *       sqrt(h/h') and eps × h/h'. Any size.</li>
 *   <li>MEAN_FILL (pre-LayerNorm): every new dim holds the mean of the old ones (writers' new rows and embeddings'
 *       new columns are means), so LayerNorm's mean is unchanged and its variance shrinks by h/h': gains ×
 *       sqrt(h/h'), eps × h/h'; new LayerNorm bias entries zero make the normalised new dims zero, so readers' new
 *       columns stay arbitrary. Any size.</li>
 *   <li>DUPLICATION (post-norm): h' = m·h, dim i' copies dim i' mod h; writers, gains and biases tile, readers'
 *       input columns are divided by m so the m copies sum to the original. Mean and variance of the tiled vector
 *       are the old ones, so eps stays. Integer multiples only: a post-norm block normalises the residual stream
 *       itself, so no fill of new dims can leave its statistics alone.</li>
 * </ul>
 */
enum HiddenGrowth {
    ZERO_FILL, MEAN_FILL, DUPLICATION;

    /** Residual-stream writers: their hidden rows (or columns, for embeddings) are what the stream holds. */
    private static final List<Role> WRITERS = List.of(Role.TOKEN_EMBEDDING, Role.POSITION_EMBEDDING,
            Role.TOKEN_TYPE_EMBEDDING, Role.WO, Role.BO, Role.W_DOWN, Role.B_DOWN, Role.EXPERT_DOWN, Role.SHARED_DOWN);
    /**
     * Readers of normalised hidden states: their hidden columns multiply the new dims. The router is one too: its
     * new columns meet zeros, so the router logits and with them the experts chosen stay as they were.
     */
    static final List<Role> READERS = List.of(Role.WQ, Role.WK, Role.WV, Role.W_GATE, Role.W_UP,
            Role.OUTPUT, Role.ROUTER, Role.EXPERT_GATE, Role.EXPERT_UP, Role.SHARED_GATE, Role.SHARED_UP,
            Role.SHARED_EXPERT_GATE);
    private static final List<Role> GAINS = List.of(Role.ATTENTION_NORM, Role.MLP_NORM, Role.FINAL_NORM,
            Role.EMBEDDING_NORM, Role.ATTENTION_POST_NORM, Role.MLP_POST_NORM);
    private static final List<Role> NORM_BIASES = List.of(Role.ATTENTION_NORM_BIAS, Role.MLP_NORM_BIAS,
            Role.FINAL_NORM_BIAS, Role.EMBEDDING_NORM_BIAS);

    /** {@code init} {@link Init#CLONE} duplicates in every family (DESIGN 2.6, 'Shared epsilon'). */
    static HiddenGrowth of(TransformerConfig config, Init init) {
        return init == Init.CLONE ? DUPLICATION : of(config);
    }

    static HiddenGrowth of(TransformerConfig config) {
        if (config.postNorm()) {
            return DUPLICATION;
        }
        return config.normKind() == NormKind.LAYER ? MEAN_FILL : ZERO_FILL;
    }

    /** Why this way cannot widen {@code config} to {@code size} exactly. */
    List<String> problems(TransformerConfig config, int size) {
        List<String> problems = new ArrayList<>();
        String family = config.architecture().id();
        if (this == DUPLICATION && size > config.hidden() && size % config.hidden() != 0) {
            problems.add("hidden size " + config.hidden() + " -> " + size + " on " + family + " (post-norm) must be a "
                    + "multiple: normalising after each residual add leaves duplication of every dim as the only exact "
                    + "widening (try " + 2 * config.hidden() + " or " + 3 * config.hidden() + ")");
        }
        if (this == DUPLICATION && config.postNorm() && config.architecture().languageModelHead()
                && config.tiedEmbeddings()) {
            problems.add("a tied output head would have to both copy and split the embedding's duplicated dims");
        }
        if (this == MEAN_FILL && config.architecture().embeddingNorm()) {
            problems.add(family + " normalises the embeddings, which puts zeros, not the mean, in new residual dims");
        }
        return problems;
    }

    double epsScale(int hidden, int size) {
        return this == DUPLICATION ? 1.0 : (double) hidden / size;
    }

    int[] hiddenMap(int hidden, int size) {
        if (this != DUPLICATION) {
            return PadSpec.prefix(hidden, size);
        }
        return Growth.tiled(hidden, size);
    }

    /**
     * Every role's rule for widening {@code config} to {@code size}: {@link #rules(int, int)}, plus, where queries
     * and keys are RMS-normalised with the block norms' epsilon (Qwen3, OLMo-2), q_proj and k_proj (and their biases)
     * × sqrt(eps'/eps): the QK-norm then sees its mean square scaled like its epsilon, so its output is unchanged
     * (DESIGN 2.6; without it the logits move by 7e-6 to 3e-5 on QkNormFamiliesTest's models with eps 1e-5).
     */
    Map<Role, EntryRule> rules(TransformerConfig config, int size) {
        Map<Role, EntryRule> rules = rules(config.hidden(), size);
        double epsScale = epsScale(config.hidden(), size);
        if (config.architecture().hasQkNorm() && epsScale != 1.0) {
            double qk = Math.sqrt(epsScale);
            rules.put(Role.WQ, new EntryRule(rules.get(Role.WQ).fill(), qk));
            rules.put(Role.WK, new EntryRule(rules.get(Role.WK).fill(), qk));
            rules.put(Role.BQ, EntryRule.copied(qk));
            rules.put(Role.BK, EntryRule.copied(qk));
        }
        if (config.architecture().scaledEmbedding() && this == ZERO_FILL) {
            scaledEmbedding(config, size, rules);
        }
        if (this == DUPLICATION) {
            duplicatedStream(config, size, rules);
        }
        return rules;
    }

    /**
     * Gemma multiplies the embedding by sqrt(hidden), which grows to sqrt(h'): old embedding columns × sqrt(h/h')
     * keep what enters the first block. A tied head reads those rescaled columns, which already supply the
     * sqrt(h/h') its final norm's output asks for, so the final gain stays (DESIGN 2.6). The (1 + w) gains' own rule
     * is {@link EntryRule#onGain}.
     */
    private static void scaledEmbedding(TransformerConfig config, int size, Map<Role, EntryRule> rules) {
        double s = Math.sqrt((double) config.hidden() / size);
        rules.put(Role.TOKEN_EMBEDDING, new EntryRule(EntryRule.ZERO.fill(), s));
        if (config.tiedEmbeddings()) {
            rules.put(Role.FINAL_NORM, EntryRule.meanScaled(1.0));
        }
    }

    /**
     * Duplication tiles the residual stream (h' = m·h). Gemma's embedding multiplier grows from sqrt(h) to sqrt(h'),
     * so old embedding entries × sqrt(h/h') keep each tiled copy of the stream as it was. A tied head then reads m
     * copies of the stream through embedding entries × sqrt(h/h'), so the logits come out × m·sqrt(h/h') (× m without
     * the multiplier) unless the final norm's output is divided by that: its gain (and bias) take the inverse.
     */
    private static void duplicatedStream(TransformerConfig config, int size, Map<Role, EntryRule> rules) {
        double embedding = config.architecture().scaledEmbedding() ? Math.sqrt((double) config.hidden() / size) : 1.0;
        if (embedding != 1.0) {
            rules.put(Role.TOKEN_EMBEDDING, EntryRule.copied(embedding));
        }
        if (config.architecture().languageModelHead() && config.tiedEmbeddings()) {
            double headScale = (double) config.hidden() / size / embedding;
            rules.put(Role.FINAL_NORM, EntryRule.copied(headScale));
            rules.put(Role.FINAL_NORM_BIAS, EntryRule.copied(headScale));
        }
    }

    Map<Role, EntryRule> rules(int hidden, int size) {
        Map<Role, EntryRule> rules = new EnumMap<>(Role.class);
        double gainScale = Math.sqrt((double) hidden / size);
        switch (this) {
            case ZERO_FILL -> {
                WRITERS.forEach(r -> rules.put(r, EntryRule.ZERO));
                READERS.forEach(r -> rules.put(r, EntryRule.ARBITRARY));
                GAINS.forEach(r -> rules.put(r, EntryRule.meanScaled(gainScale)));
            }
            case MEAN_FILL -> {
                WRITERS.forEach(r -> rules.put(r, EntryRule.AXIS_MEAN));
                READERS.forEach(r -> rules.put(r, EntryRule.ARBITRARY));
                GAINS.forEach(r -> rules.put(r, EntryRule.meanScaled(gainScale)));
                NORM_BIASES.forEach(r -> rules.put(r, EntryRule.ZERO));
            }
            case DUPLICATION -> {
                double split = 1.0 / (size / hidden);
                WRITERS.forEach(r -> rules.put(r, EntryRule.copied(1.0)));
                READERS.forEach(r -> rules.put(r, EntryRule.copied(split)));
                GAINS.forEach(r -> rules.put(r, EntryRule.copied(1.0)));
                NORM_BIASES.forEach(r -> rules.put(r, EntryRule.copied(1.0)));
                // the pooler reads hidden (split) and writes pooled hidden dims (tiled): one scale covers both
                rules.put(Role.POOLER, EntryRule.copied(split));
                rules.put(Role.POOLER_BIAS, EntryRule.copied(1.0));
            }
        }
        return rules;
    }
}
