package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp loads a GGUF file only with tokenizer metadata: a model without a vocabulary gets grow4j's placeholder
 * (and the writer says so), a model with one keeps it untouched.
 */
class GgufVocabularyTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    @Test
    void aModelWithoutAVocabularyGetsThePlaceholderAndANote() throws IOException {
        TransformerConfig config = Fixtures.llama(true, RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config, DType.F32, 1);
        assertEquals(List.of(GgufVocabulary.NOTE), format.writeNotes(model));
        Path file = dir.resolve("placeholder.gguf");
        format.write(model, file);
        GgufMetadata m = GgufMetadata.of(format.read(file)).orElseThrow();
        assertEquals(GgufValue.Str.of("llama"), m.get("tokenizer.ggml.model").orElseThrow());
        List<GgufValue> tokens = ((GgufValue.Array) m.get("tokenizer.ggml.tokens").orElseThrow()).elements();
        assertEquals(config.vocabSize(), tokens.size());
        assertEquals(GgufValue.Str.of("[0]"), tokens.getFirst());
        assertEquals(GgufValue.Str.of("[" + (config.vocabSize() - 1) + "]"), tokens.getLast());
        assertEquals(new GgufValue.Int(GgufType.UINT32, 1), m.get("tokenizer.ggml.bos_token_id").orElseThrow());
        assertEquals(new GgufValue.Bool(true), m.get(GgufVocabulary.MARKER).orElseThrow());
        // a file written from it keeps the placeholder it has: nothing is made up anew, so no note
        assertEquals(List.of(), format.writeNotes(format.read(file)));
    }

    /** A placeholder of another size than the model's vocabulary is made anew (resized), and the note says so. */
    @Test
    void aPlaceholderOfAnotherSizeIsMadeAnewWithTheNote() throws IOException {
        TransformerConfig config = Fixtures.llama(true, RopeLayout.INTERLEAVED);
        Path file = dir.resolve("placeholder.gguf");
        format.write(RandomModels.create(config, DType.F32, 1), file);
        SequencedMap<String, GgufValue> entries = new LinkedHashMap<>(GgufMetadata.of(format.read(file))
                .orElseThrow().entries());
        List<GgufValue> tokens = ((GgufValue.Array) entries.get("tokenizer.ggml.tokens")).elements();
        entries.put("tokenizer.ggml.tokens", new GgufValue.Array(GgufType.STRING, tokens.subList(0, 5)));
        Model shorter = new GgufMetadata(entries).attachTo(RandomModels.create(config, DType.F32, 1));
        assertEquals(List.of(GgufVocabulary.NOTE), format.writeNotes(shorter));
    }

    @Test
    void aModelsOwnVocabularyIsKeptAsItIs() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.F32, 1);
        SequencedMap<String, GgufValue> tokenizer = new LinkedHashMap<>();
        tokenizer.put("tokenizer.ggml.model", GgufValue.Str.of("gpt2"));
        tokenizer.put("tokenizer.ggml.tokens", new GgufValue.Array(GgufType.STRING, List.of(GgufValue.Str.of("a"))));
        Model withVocabulary = new GgufMetadata(tokenizer).attachTo(model);
        assertEquals(List.of(), format.writeNotes(withVocabulary));
        Path file = dir.resolve("own.gguf");
        format.write(withVocabulary, file);
        GgufMetadata m = GgufMetadata.of(format.read(file)).orElseThrow();
        tokenizer.forEach((k, v) -> assertEquals(v, m.get(k).orElseThrow(), k));
        assertFalse(m.get(GgufVocabulary.MARKER).isPresent());
        assertTrue(m.get("tokenizer.ggml.scores").isEmpty(), "nothing added to a source's vocabulary");
    }
}
