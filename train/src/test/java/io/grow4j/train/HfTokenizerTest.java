package io.grow4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tokenizer.json the test writes (a word-level model, lower-casing, whitespace splitting, BOS by template, and the
 * truncation at 4 and padding to 8 that an inference tokenizer may carry), run by the tokenizers library.
 */
class HfTokenizerTest {
    private static final List<String> WORDS = List.of("the", "mill", "wheel", "turned", "river", ".");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** [PAD] 0, [UNK] 1, <s> 2, then the words from 3; an id gap at the end (an added token at 12). */
    static Path write(Path dir) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>(Map.of("[PAD]", 0, "[UNK]", 1, "<s>", 2));
        for (String w : WORDS) {
            vocab.put(w, vocab.size());
        }
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        root.set("truncation", JSON.readTree("{\"direction\": \"Right\", \"max_length\": 4,"
                + " \"strategy\": \"LongestFirst\", \"stride\": 0}"));
        root.set("padding", JSON.readTree("{\"strategy\": {\"Fixed\": 8}, \"direction\": \"Right\","
                + " \"pad_to_multiple_of\": null, \"pad_id\": 0, \"pad_type_id\": 0, \"pad_token\": \"[PAD]\"}"));
        var added = root.putArray("added_tokens");
        for (Object[] t : new Object[][]{{0, "[PAD]"}, {1, "[UNK]"}, {2, "<s>"}, {12, "<extra>"}}) {
            added.addObject().put("id", (int) t[0]).put("content", (String) t[1]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.set("normalizer", JSON.readTree("{\"type\": \"Lowercase\"}"));
        root.set("pre_tokenizer", JSON.readTree("{\"type\": \"Whitespace\"}"));
        root.set("post_processor", JSON.readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<s>": {"id": "<s>", "ids": [2], "tokens": ["<s>"]}}}"""));
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "WordLevel").put("unk_token", "[UNK]");
        model.set("vocab", JSON.valueToTree(vocab));
        return Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    @Test
    void encodesWholeDocumentsWithTheTemplatesSpecialTokens() throws IOException {
        try (HfTokenizer tokenizer = HfTokenizer.load(write(dir))) {
            // longer than the file's truncation (4) and padding (8): neither applies to training documents
            assertArrayEquals(new int[]{2, 3, 4, 5, 6, 3, 7, 1, 8, 3, 4, 5, 8},
                    tokenizer.encode("The mill wheel TURNED the river ran. the mill wheel."));
            assertArrayEquals(new int[]{2, 4}, tokenizer.encode("mill"));
            assertEquals(13, tokenizer.vocabularySize(), "largest id 12 (an added token) + 1");
            assertEquals("tokenizer " + dir.resolve("tokenizer.json"), tokenizer.describe());
        }
    }

    @Test
    void aCorpusTokenisedByItCarriesItsVocabularySize() throws IOException {
        try (HfTokenizer tokenizer = HfTokenizer.load(write(dir))) {
            TextCorpus corpus = TextCorpus.split("the mill\n\nthe river\n\nmill wheel\n\nriver .", tokenizer, 2, 2);
            assertArrayEquals(new int[]{2, 3, 4, 2, 4, 5}, corpus.train());
            assertArrayEquals(new int[]{2, 3, 7, 2, 7, 8}, corpus.validation());
            assertEquals(13, corpus.vocabularySize());
        }
    }

    /** The trainer refuses a model whose embedding has no row for some of the corpus's ids. */
    @Test
    void aModelMustHoldEveryIdOfTheCorpus() throws IOException {
        TextCorpus corpus = TextCorpus.split(TrainerTest.smallCorpus(), 5, 32);
        TextCorpus wider = new TextCorpus(corpus.train(), corpus.validation(), 300);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainerTest.trainer(TrainerTest.TINY, wider, TrainerTest.settings(10, 1)));
        assertEquals("vocabulary 258 is smaller than the corpus tokenizer's 300", e.getMessage());
    }

    @Test
    void refusesWhatIsNoTokenizerNamingTheFile() throws IOException {
        List<String> messages = new ArrayList<>();
        for (String text : List.of("{\"model\": ", "{\"version\": \"1.0\"}",
                "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {\"a\": 0}}}")) {
            Path file = Files.writeString(Files.createTempFile(dir, "tokenizer", ".json"), text);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(file));
            assertTrue(e.getMessage().startsWith("tokenizer " + file + ": "), e.getMessage());
            messages.add(e.getMessage());
        }
        assertTrue(messages.get(0).contains("not JSON"), messages.get(0));
        assertTrue(messages.get(1).contains("no model.vocab"), messages.get(1));
        assertTrue(messages.get(2).contains("the tokenizers library cannot read it"), messages.get(2));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir.resolve("none.json")))
                .getMessage().endsWith("none.json: no such file"));
    }
}
