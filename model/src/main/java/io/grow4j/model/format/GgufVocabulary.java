package io.grow4j.model.format;

import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * A placeholder vocabulary for models that come without one (llama2.c checkpoints; tensors-only directories), because
 * llama.cpp loads a GGUF file only when it has tokenizer metadata. It is a SentencePiece ("llama") vocabulary whose
 * piece for id i is "[i]", so text llama.cpp generates spells the ids back; ids 0, 1 and 2 are unknown, BOS and EOS
 * as in llama2.c (the ids run.c uses), all pieces have score 0 and type normal. It cannot encode real text: it is for
 * running token ids through llama.cpp, not a tokenizer. The key {@value #MARKER} says the vocabulary is grow4j's (and
 * lets a later write resize it); {@link #NOTE} is what writers tell the user.
 */
final class GgufVocabulary {
    static final String MODEL = "tokenizer.ggml.model";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String MARKER = "grow4j.placeholder_vocabulary";
    /** ggml's llama_token_type NORMAL. */
    private static final int NORMAL = 1;

    private GgufVocabulary() {
    }

    /**
     * Adds the placeholder to {@code m} when it has no tokenizer.ggml.model, or refreshes a placeholder of another
     * size; a source's own vocabulary is left as it is.
     *
     * @return whether the placeholder was written
     */
    static boolean addIfAbsent(SequencedMap<String, GgufValue> m, int vocabSize) {
        if (!added(m)) {
            return false;
        }
        List<GgufValue> tokens = new ArrayList<>(vocabSize);
        List<GgufValue> scores = new ArrayList<>(vocabSize);
        List<GgufValue> types = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            tokens.add(GgufValue.Str.of("[" + i + "]"));
            scores.add(new GgufValue.Float32(0));
            types.add(new GgufValue.Int(GgufType.INT32, NORMAL));
        }
        m.put(MODEL, GgufValue.Str.of("llama"));
        m.put(TOKENS, new GgufValue.Array(GgufType.STRING, tokens));
        m.put("tokenizer.ggml.scores", new GgufValue.Array(GgufType.FLOAT32, scores));
        m.put("tokenizer.ggml.token_type", new GgufValue.Array(GgufType.INT32, types));
        m.put("tokenizer.ggml.unknown_token_id", new GgufValue.Int(GgufType.UINT32, 0));
        m.put("tokenizer.ggml.bos_token_id", new GgufValue.Int(GgufType.UINT32, 1));
        m.put("tokenizer.ggml.eos_token_id", new GgufValue.Int(GgufType.UINT32, 2));
        m.put(MARKER, new GgufValue.Bool(true));
        return true;
    }

    static final String NOTE = "the model has no vocabulary, so the file gets a placeholder (piece \"[i]\" for id"
            + " i, ids 1 and 2 BOS and EOS): llama.cpp loads it and runs token ids, but it cannot encode text";

    /** Whether writing {@code m} adds the placeholder (it has no vocabulary of its own). */
    static boolean added(SequencedMap<String, GgufValue> m) {
        return !m.containsKey(MODEL) || m.containsKey(MARKER);
    }

    /**
     * Whether writing {@code m} makes a placeholder up anew, which {@link #NOTE} tells the user: the model has no
     * vocabulary, or grow4j's placeholder of another size than {@code vocabSize}. A source that already holds the
     * placeholder of its size (a file grow4j wrote, grown again) keeps it, and saying so again would suggest the
     * vocabulary was lost in this write.
     */
    static boolean madeUp(SequencedMap<String, GgufValue> m, int vocabSize) {
        if (!m.containsKey(MODEL)) {
            return true;
        }
        return m.containsKey(MARKER) && !(m.get(TOKENS) instanceof GgufValue.Array tokens
                && tokens.elements().size() == vocabSize);
    }
}
