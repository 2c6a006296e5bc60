package io.grow4j.train;

import io.grow4j.model.Activation;
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

/**
 * Which configs the backward pass handles: llama-style decoders (pre-norm RMSNorm, RoPE in either layout, causal
 * GQA attention, SwiGLU, no biases, tied or untied head). Decided from the config's sizes and the roles it implies,
 * not from the family, so a new family of the same shape trains without a change here.
 */
public final class TrainingSupport {
    /** The tensors a llama-style decoder has; any other role (a bias, learned positions, a pooler) is refused. */
    private static final Set<Role> ROLES = EnumSet.of(Role.TOKEN_EMBEDDING, Role.ATTENTION_NORM, Role.WQ, Role.WK,
            Role.WV, Role.WO, Role.MLP_NORM, Role.W_GATE, Role.W_UP, Role.W_DOWN, Role.FINAL_NORM, Role.OUTPUT);

    private TrainingSupport() {
    }

    /** Every reason the config cannot be trained, all at once; empty when it can. */
    public static List<String> problems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.normKind() != NormKind.RMS) {
            problems.add("norm is " + config.normKind() + ", training supports RMSNorm only");
        }
        List<String> parts = new ArrayList<>(io.grow4j.kernels.forward.ForwardSupport.gemmaParts(config));
        parts.addAll(io.grow4j.kernels.forward.ForwardSupport.ropeParts(config));
        if (!parts.isEmpty()) {
            problems.add(config.architecture().id() + " has " + String.join(", ", parts)
                    + ", which the backward pass does not implement");
        }
        if (config.postNorm()) {
            problems.add("post-norm blocks are not supported, only pre-norm");
        }
        if (!config.causal()) {
            problems.add("attention is bidirectional; training supports causal decoders only");
        }
        if (!(config.positions() instanceof Positions.Rope rope)) {
            problems.add("positions are " + config.positions() + ", training supports RoPE only");
        } else if (!(rope.scaling() instanceof RopeScaling.None)) {
            problems.add("RoPE scaling " + rope.scaling().describe() + " is not supported by the backward pass yet"
                    + " (plain RoPE only)");
        }
        if (config.architecture().parallelResidual()) {
            problems.add(config.architecture().id() + "'s parallel residual is not supported by the backward pass yet"
                    + " (branches one after the other only)");
        }
        if (config.mlp().activation() != Activation.SWIGLU) {
            problems.add("MLP activation is " + config.mlp().activation() + ", training supports SwiGLU only");
        }
        for (TensorKey key : Model.expectedKeys(config)) {
            if (!ROLES.contains(key.role()) && key.layer() <= 0) {
                problems.add("tensor " + key.role().name().toLowerCase() + " is not supported by the backward pass");
            }
        }
        if (!Role.OUTPUT.presentIn(config) && !config.tiedEmbeddings()) {
            problems.add("the model has no language-model head");
        }
        return problems;
    }

    /** Throws IllegalArgumentException listing every problem of {@link #problems}. */
    public static void check(TransformerConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot train this model:\n  " + String.join("\n  ", problems));
        }
    }
}
