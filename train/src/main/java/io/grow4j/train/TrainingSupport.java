package io.grow4j.train;

import io.grow4j.kernels.forward.ForwardSupport;
import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which configs the backward pass handles: causal decoders with RMSNorm or LayerNorm (with biases) before each branch
 * or, OLMo-2's, on each branch's output; RoPE in either layout (scaled by linear, llama3, dynamic or yarn
 * rope_scaling; partial rotary; layers without RoPE) or learned positions; GQA attention with or without biases;
 * SwiGLU or an ungated GELU / gelu_new / ReLU MLP with or without biases; QK-norm per head or over the whole
 * projection; sequential or parallel residual; tied or untied head (Llama 2/3.x, Mistral, Qwen2, Qwen3, OLMo-2,
 * GPT-2, GPT-NeoX, SmolLM3 and the like). Decided from the config's parts and the roles it implies, not from the
 * family, so a new family of the same parts trains without a change here; a family with other parts is refused
 * naming the family and each part.
 */
public final class TrainingSupport {
    /** The tensors the backward pass computes gradients for; any other role (a pooler, experts) is refused. */
    private static final Set<Role> ROLES = EnumSet.of(Role.TOKEN_EMBEDDING, Role.POSITION_EMBEDDING,
            Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, Role.WQ, Role.BQ, Role.WK, Role.BK, Role.WV, Role.BV,
            Role.WO, Role.BO, Role.MLP_NORM, Role.MLP_NORM_BIAS, Role.W_GATE, Role.B_GATE, Role.W_UP, Role.B_UP,
            Role.W_DOWN, Role.B_DOWN, Role.FINAL_NORM, Role.FINAL_NORM_BIAS, Role.OUTPUT, Role.Q_HEAD_NORM,
            Role.K_HEAD_NORM, Role.Q_NORM, Role.K_NORM);

    private TrainingSupport() {
    }

    /** Every reason the config cannot be trained, all at once; empty when it can. */
    public static List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        List<String> parts = unsupportedParts(config);
        if (!parts.isEmpty()) {
            problems.add(config.architecture().id() + " has " + String.join(", ", parts)
                    + ", which the backward pass does not implement");
        }
        Set<String> tensors = new TreeSet<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            if (!ROLES.contains(key.role())) {
                tensors.add(key.role().name().toLowerCase());
            }
        }
        if (!tensors.isEmpty()) {
            problems.add("tensors " + String.join(", ", tensors) + " have no backward pass");
        }
        if (!Role.OUTPUT.presentIn(config) && !config.tiedEmbeddings()) {
            problems.add("the model has no language-model head");
        }
        return problems;
    }

    /** The block parts of the config that the backward pass lacks, by name. */
    private static List<String> unsupportedParts(TransformerConfig config) {
        Architecture family = config.architecture();
        List<String> parts = new ArrayList<>(ForwardSupport.gemmaParts(config));
        // pre-norm and OLMo-2's post-branch norms have a backward; Gemma's sandwich norms are named above
        if (config.normPlacement() == Architecture.NormPlacement.POST_RESIDUAL) {
            parts.add("post-norm blocks (a norm after each residual add)");
        }
        // QK-norm with plain RMSNorm gains, per head (Qwen3) or over the whole projection (OLMo-2), has a backward;
        // Gemma 3's (1 + w) gains are named above
        if (family.qkNorm() != Architecture.QkNorm.NONE && config.normKind() == NormKind.LAYER) {
            parts.add("QK-norm (" + family.qkNorm().name().toLowerCase().replace('_', ' ') + ")");
        }
        if (!config.causal()) {
            parts.add("bidirectional attention (an encoder)");
        }
        if (family.embeddingNorm()) {
            parts.add("an embedding LayerNorm");
        }
        if (family.mixtureOfExperts()) {
            parts.add("a mixture of experts");
        }
        // Other scalings fix each position's angles (dynamic NTK changes nothing up to max_position_embeddings,
        // which windows never pass); longrope switches factors at original_max_position_embeddings, per position
        // in grow4j's passes but for the whole sequence in transformers' training forward, so neither is the model.
        if (config.positions() instanceof Positions.Rope rope && rope.scaling() instanceof RopeScaling.LongRope) {
            parts.add("RoPE scaling " + rope.scaling().describe() + " (short and long factors switch with the"
                    + " sequence length)");
        }
        if (!ActivationGradients.supported(config.mlp().activation()) && !parts.contains("GeGLU")) {
            parts.add(config.mlp().activation().hfName() + " MLP activation");
        }
        return parts;
    }

    /** Throws IllegalArgumentException listing every problem of {@link #problems}. */
    public static void check(TransformerConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot train this model:\n  " + String.join("\n  ", problems));
        }
    }
}
