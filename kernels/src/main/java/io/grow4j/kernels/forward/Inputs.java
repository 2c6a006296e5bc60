package io.grow4j.kernels.forward;

import io.grow4j.model.TransformerConfig;

/** The argument checks both forward passes share, so they fail on the same inputs with the same words. */
public final class Inputs {
    private Inputs() {
    }

    public static void checkToken(int token, int position, TransformerConfig config) {
        if (token < 0 || token >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, "
                    + config.vocabSize() + ")");
        }
        if (position >= config.maxSeqLen()) {
            throw new IllegalArgumentException("sequence longer than maxSeqLen " + config.maxSeqLen()
                    + ": token at position " + position);
        }
    }

    /** Checks a whole sequence before any work starts, so a bad id late in it does not waste the forward pass. */
    public static void checkSequence(int[] tokens, TransformerConfig config) {
        if (tokens.length > config.maxSeqLen()) {
            throw new IllegalArgumentException("sequence of " + tokens.length + " tokens is longer than maxSeqLen "
                    + config.maxSeqLen());
        }
        for (int i = 0; i < tokens.length; i++) {
            checkToken(tokens[i], i, config);
        }
    }

    /**
     * An encoder's whole input: as many token types as tokens, each type below the type vocabulary (only 0 when the
     * model has no token-type embedding, as BERT without segments reads them).
     */
    static void checkEncoderInput(int[] tokens, int[] tokenTypes, TransformerConfig config) {
        checkSequence(tokens, config);
        if (tokenTypes.length != tokens.length) {
            throw new IllegalArgumentException(tokens.length + " tokens but " + tokenTypes.length + " token types");
        }
        int types = Math.max(config.typeVocabSize(), 1);
        for (int i = 0; i < tokenTypes.length; i++) {
            if (tokenTypes[i] < 0 || tokenTypes[i] >= types) {
                throw new IllegalArgumentException("token type " + tokenTypes[i] + " at position " + i
                        + " outside the type vocabulary [0, " + types + ")");
            }
        }
    }
}
