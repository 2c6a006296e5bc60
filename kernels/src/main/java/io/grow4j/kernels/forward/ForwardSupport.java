package io.grow4j.kernels.forward;

import io.grow4j.model.AttentionShape;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What the forward passes implement, read from the family's row ({@link io.grow4j.model.Architecture}): causal
 * decoders with norms before each branch or after it inside the residual (RMSNorm or LayerNorm), any QK-norm, and a
 * language-model head in {@link ReferenceForward}, {@link ForwardPass} and the OpenCL device pass;
 * post-LayerNorm bidirectional encoders with an embedding norm (bert) in {@link EncoderReference} and
 * {@link EncoderForward}. A model handed to the wrong pass is refused up front with every reason, never computed
 * wrongly.
 */
public final class ForwardSupport {
    private ForwardSupport() {
    }

    public static void check(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        String family = config.architecture().id();
        if (config.postNorm()) {
            problems.add(family + " normalises after each residual add; the decoder passes run norms before each"
                    + " branch or after it inside the residual");
        }
        if (!config.causal()) {
            problems.add(family + " attends in both directions; only causal attention is implemented");
        }
        if (!config.architecture().languageModelHead()) {
            problems.add(family + " outputs hidden states; the forward passes compute vocabulary logits");
        }
        if (config.architecture().embeddingNorm() || config.typeVocabSize() > 0) {
            problems.add(family + " has an embedding norm or token types, which are not implemented");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot run this model: " + String.join("; ", problems)
                    + (config.architecture().postNorm() ? " (run it with EncoderReference or EncoderForward)" : ""));
        }
    }

    /**
     * The parts of Gemma's blocks a model has, by name: what passes that implement only the other families (the
     * OpenCL device pass, training) refuse with these names. Empty for every other family.
     */
    public static List<String> gemmaParts(TransformerConfig config) {
        List<String> parts = new ArrayList<>();
        if (config.normKind() == NormKind.RMS_UNIT_OFFSET) {
            parts.add("(1 + w) RMSNorm gains");
        }
        if (config.normPlacement() == io.grow4j.model.Architecture.NormPlacement.SANDWICH) {
            parts.add("sandwich norms");
        }
        if (config.architecture().scaledEmbedding()) {
            parts.add("embeddings x sqrt(hidden)");
        }
        if (config.mlp().activation() == io.grow4j.model.Activation.GEGLU_TANH) {
            parts.add("GeGLU");
        }
        AttentionShape shape = config.attentionShape();
        if (shape.fixedScale()) {
            parts.add("attention scale query_pre_attn_scalar^-0.5");
        }
        if (shape.attentionSoftCap() > 0 || shape.finalSoftCap() > 0) {
            parts.add("logit soft-capping");
        }
        if (!shape.layerTypes().isEmpty()) {
            parts.add("sliding-window layers");
        }
        return parts;
    }

    /**
     * The RoPE parts beyond whole-head RoPE in every layer that a model has, by name: GPT-NeoX's and Phi-3's partial
     * rotary, SmolLM3's layers without RoPE. What passes that rotate whole heads in every layer (the OpenCL device
     * pass, training) refuse with these names. Empty for every other family.
     */
    public static List<String> ropeParts(TransformerConfig config) {
        List<String> parts = new ArrayList<>();
        if (config.positions() instanceof Positions.Rope rope) {
            int headSize = config.attention().keySize();
            if (rope.partial()) {
                parts.add("partial rotary (" + rope.fraction() + " of each head: " + rope.rotaryDims(headSize)
                        + " of " + headSize + " dims rotate)");
            }
            if (!rope.nopeLayers().isEmpty()) {
                parts.add("layers without RoPE " + rope.nopeLayers());
            }
        }
        return parts;
    }

    /** The encoder passes: post-LayerNorm blocks, attention over every position, embedding norm, learned positions. */
    static void checkEncoder(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        String family = config.architecture().id();
        if (!config.postNorm() || config.normKind() != NormKind.LAYER) {
            problems.add(family + " is not a post-LayerNorm encoder");
        }
        if (config.causal()) {
            problems.add(family + " attends only to earlier positions; the encoder attends in both directions");
        }
        if (!config.architecture().embeddingNorm()) {
            problems.add(family + " has no embedding norm");
        }
        if (!(config.positions() instanceof Positions.Learned)) {
            problems.add(family + " uses " + config.positions() + "; the encoder adds learned positions");
        }
        if (config.architecture().hasQkNorm()) {
            problems.add(family + " normalises queries and keys; the encoder has no QK-norm");
        }
        if (config.mlp().activation().gated()) {
            problems.add("the encoder's MLP has one first layer; " + config.mlp().activation() + " is gated");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot run this model as an encoder: " + String.join("; ", problems));
        }
    }
}
