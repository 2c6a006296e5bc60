package io.grow4j.kernels.forward;

import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What the forward passes implement: causal decoders with pre-norm blocks (RMSNorm or LayerNorm) and a
 * language-model head: generic, llama, mistral, qwen2, gpt2. BERT (post-norm, bidirectional, embedding norm, token
 * types, hidden-state output) is refused up front with every reason, never computed wrongly.
 */
final class ForwardSupport {
    private ForwardSupport() {
    }

    static void check(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        String family = config.architecture().id();
        if (config.postNorm()) {
            problems.add(family + " normalises after each residual add; only pre-norm blocks are implemented");
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
            throw new IllegalArgumentException("cannot run this model: " + String.join("; ", problems));
        }
    }
}
