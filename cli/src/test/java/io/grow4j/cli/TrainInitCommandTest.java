package io.grow4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.train.HfTokenizer;
import io.grow4j.train.InitialWeights;
import io.grow4j.train.TextCorpus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * grow4j train from a config (--init), with a tokenizer.json (all-MiniLM-L6-v2's, a real 30,522-entry WordPiece
 * tokenizer from the langchain4j jar on the test classpath), and its bad input: all problems at once, exit 2, nothing
 * written.
 */
class TrainInitCommandTest {
    private static final String CONFIG = """
            model_type: llama
            vocab_size: %d
            hidden_size: 16
            intermediate_size: 24
            num_hidden_layers: 1
            num_attention_heads: 2
            num_key_value_heads: 1
            max_position_embeddings: 32
            tie_word_embeddings: true
            """;
    private static final int BERT_VOCAB = 30522;

    @TempDir
    Path dir;
    Path corpus;
    Path config;

    @BeforeEach
    void setUp() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            text.append("Paragraph ").append(i).append(": the mill wheel turned as the river ran past the stones")
                    .append(i % 3 == 0 ? " in the spring.\n\n" : " of the old village.\n\n");
        }
        corpus = Files.writeString(dir.resolve("corpus.txt"), text);
        config = Files.writeString(dir.resolve("config.yaml"), CONFIG.formatted(258));
    }

    private Cli train(String... args) {
        return run(8, args);
    }

    /** A short run: the tokenizer tests' 30,522-row head makes every step cost. */
    private Cli run(int steps, String... args) {
        List<String> all = new ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--steps",
                String.valueOf(steps), "--batch", "2", "--context", "16", "--eval-every", "4", "--lr", "1e-2"));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    /** The same config and --seed give the same trained weights in any format; another seed, others. */
    @Test
    void trainsFromSeededWeightsOfTheConfigAndGrowsMidRun() throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), "steps:\n  - mlp: {size: 40}\n  - layers: {add: 1}\n");
        Path directory = dir.resolve("trained");
        Cli run = train("--init", config.toString(), "--out", directory.toString(), "--seed", "3", "--grow-at",
                "4:" + plan);
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("grew at step 4"), run.out());
        Model trained = ModelFiles.read(directory);
        assertEquals(new TransformerConfig(Architecture.LLAMA, 258, 16, 2, 32, new AttentionConfig(2, 1, 8, 8, false),
                new MlpConfig(40, Activation.SWIGLU, false), 1e-6, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                true), trained.config(), "the config's sizes (LlamaConfig's default eps 1e-6), grown");

        Path gguf = dir.resolve("trained.gguf");
        assertEquals(0, train("--init", config.toString(), "--out", gguf.toString(), "--seed", "3", "--grow-at",
                "4:" + plan).exitCode());
        Model again = ModelFiles.read(gguf);
        // GGUF stores Q and K rows in llama.cpp's interleaved RoPE order: the same values, rows permuted
        trained.tensors().forEach((key, t) -> {
            boolean permuted = key.role() == Role.WQ || key.role() == Role.WK;
            assertArrayEquals(sortedIf(permuted, t.toFloatArray()), sortedIf(permuted,
                    again.tensor(key).toFloatArray()), key.toString());
        });

        Path other = dir.resolve("other");
        assertEquals(0, train("--init", config.toString(), "--out", other.toString(), "--seed", "4").exitCode());
        Model reseeded = ModelFiles.read(other);
        TensorKey embedding = TensorKey.global(Role.TOKEN_EMBEDDING);
        assertFalse(Arrays.equals(ModelFiles.read(directory).tensor(embedding).toFloatArray(),
                reseeded.tensor(embedding).toFloatArray()), "--seed draws the weights");
    }

    @Test
    void aBadConfigIsReportedWithEveryOtherProblemAndNothingIsWritten() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                model_type: llama
                vocab_size: 258
                hidden_size: 30
                num_hidden_layers: 1
                num_attention_heads: 4
                max_position_embeddings: 8
                """);
        Path out = dir.resolve("trained");
        Cli run = train("--init", bad.toString(), "--out", out.toString(), "--checkpoint-every", "2", "--grow-at",
                "9:" + dir.resolve("absent.yaml"));
        assertEquals(2, run.exitCode(), run.out() + run.err());
        for (String fragment : List.of("--init " + bad + ": missing intermediate_size",
                "--init " + bad + ": num_attention_heads 4 does not divide hidden_size 30 (or give head_dim)",
                "--init " + bad + ": --context 16 exceeds max_position_embeddings 8",
                "step 9 is outside the run's steps 1..7",
                "plan file " + dir.resolve("absent.yaml") + " does not exist")) {
            assertTrue(run.err().lines().anyMatch(l -> l.startsWith("grow4j train: error: ") && l.contains(fragment)),
                    "no error line containing '" + fragment + "' in:\n" + run.err());
        }
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        assertEquals(List.of("bad.yaml", "config.yaml", "corpus.txt"), list(dir));

        Path unknown = Files.writeString(dir.resolve("unknown.yaml"), CONFIG.formatted(258).replace("llama", "gpt5"));
        Cli family = train("--init", unknown.toString(), "--out", out.toString());
        assertEquals(2, family.exitCode(), family.out() + family.err());
        assertTrue(family.err().contains("--init " + unknown + ": unknown model_type \"gpt5\" (supported: "),
                family.err());

        // a family the backward pass lacks parts of: refused naming them (the wording is TrainingSupport's)
        Path experts = Files.writeString(dir.resolve("mixtral.yaml"), CONFIG.formatted(258).replace("llama",
                "mixtral"));
        Cli untrainable = train("--init", experts.toString(), "--out", out.toString());
        assertEquals(2, untrainable.exitCode(), untrainable.out() + untrainable.err());
        assertTrue(untrainable.err().lines().anyMatch(l -> l.startsWith("grow4j train: error: --init " + experts
                + ": ") && l.contains("backward pass")), untrainable.err());
        assertFalse(Files.exists(out));
    }

    /**
     * #11's bad input: plans that cannot apply at their step, each named with the step, the plan step and the
     * reason, the later one checked against the config the earlier one grows; nothing written, no checkpoint.
     */
    @Test
    void namesEveryPlanThatCannotApplyAtItsStep() throws IOException {
        Path moe = Files.writeString(dir.resolve("moe.yaml"), "steps:\n  - moe: {experts: 2, top_k: 1}\n");
        Path uneven = Files.writeString(dir.resolve("uneven.yaml"), "steps:\n  - mlp: {size: 40}\n"
                + "  - heads: {add: 1}\n  - mlp: {size: 32}\n");
        Path out = dir.resolve("trained");
        Cli run = train("--init", config.toString(), "--out", out.toString(), "--checkpoint-every", "1",
                "--grow-at", "3:" + moe, "--grow-at", "5:" + uneven);
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().lines().anyMatch(l -> l.startsWith("grow4j train: error: --grow-at step 3: grown model: ")
                && l.contains("backward pass")), "the experts' missing backward pass, named at step 3:\n" + run.err());
        for (String line : List.of("--grow-at step 5: step 2 (heads): heads: add 1 leaves GQA groups uneven: 2"
                        + " query heads over 1 kv heads (2 per group) need an addition that is a multiple of 2",
                "--grow-at step 5: step 3 (mlp): MLP size 32 would shrink it from 40 (growth only)")) {
            assertTrue(run.err().lines().anyMatch(l -> l.startsWith("grow4j train: error: " + line)),
                    "no error line '" + line + "' in:\n" + run.err());
        }
        assertFalse(run.out().contains("step 0:"), "no training before the refusal: " + run.out());
        assertEquals(List.of("config.yaml", "corpus.txt", "moe.yaml", "uneven.yaml"), list(dir));
    }

    @Test
    void oneStartOnly() throws IOException {
        Path model = dir.resolve("model");
        ModelFormats.forOutput(model).write(InitialWeights.create(tiny(258), 1).toModel(DType.F32), model);
        Cli both = train(model.toString(), "--init", config.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, both.exitCode(), both.out() + both.err());
        assertTrue(both.err().contains("give the MODEL to train, --init CONFIG.yaml or --resume DIR, not MODEL and"
                + " --init"), both.err());
    }

    /**
     * The corpus goes through the WordPiece vocabulary (the loss starts near ln 30522 ≈ 10.3); a checkpoint records
     * the tokenizer, so a resume without it is refused and one with it continues bit for bit. OUT and the checkpoints
     * carry the --tokenizer as tokenizer.json.
     */
    @Test
    void tokenisesWithATokenizerJsonAndRefusesAVocabularyTooSmallForIt() throws IOException {
        Path tokenizer = miniLmTokenizer(dir);
        Path out = dir.resolve("trained");
        Path log = dir.resolve("log.json");
        Path wide = Files.writeString(dir.resolve("wide.yaml"), CONFIG.formatted(BERT_VOCAB));
        Cli run = run(2, "--init", wide.toString(), "--tokenizer", tokenizer.toString(), "--out", out.toString(),
                "--log", log.toString(), "--checkpoint-every", "1");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains(tokensLine(tokenizer)), run.out());
        JsonNode entries = new ObjectMapper().readTree(log.toFile());
        double first = entries.get(0).get("validationLoss").asDouble();
        assertEquals(Math.log(BERT_VOCAB), first, 0.1, "uniform over the WordPiece vocabulary: " + entries.get(0));

        Path checkpoint = dir.resolve("trained.checkpoints/step-000001");
        Cli bytes = run(2, "--resume", checkpoint.toString(), "--out", dir.resolve("bytes").toString());
        assertEquals(2, bytes.exitCode(), bytes.out() + bytes.err());
        String sha256 = java.util.HexFormat.of().formatHex(sha256(Files.readAllBytes(tokenizer)));
        assertTrue(bytes.err().contains("--resume " + checkpoint + ": tokenizer: checkpoint sha256:" + sha256
                + ", asked bytes (the byte tokenizer); resume with the checkpointed run's --tokenizer"), bytes.err());
        Path resumedLog = dir.resolve("resumed.json");
        Cli resumed = run(2, "--resume", checkpoint.toString(), "--tokenizer", tokenizer.toString(), "--out",
                dir.resolve("resumed").toString(), "--log", resumedLog.toString());
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        assertEquals(Files.readString(log), Files.readString(resumedLog));
        // OUT ships the tokenizer it was trained with, and so does every checkpoint's model: the resumed OUT is the
        // uninterrupted one file for file
        assertEquals(-1, Files.mismatch(tokenizer, out.resolve("tokenizer.json")));
        assertEquals(-1, Files.mismatch(tokenizer, checkpoint.resolve("trained/tokenizer.json")));
        assertEquals(list(out), list(dir.resolve("resumed")));
        for (String file : list(out)) {
            assertEquals(-1, Files.mismatch(out.resolve(file), dir.resolve("resumed").resolve(file)), file);
        }

        Cli narrow = train("--init", config.toString(), "--tokenizer", tokenizer.toString(), "--out",
                dir.resolve("narrow").toString());
        assertEquals(2, narrow.exitCode(), narrow.out() + narrow.err());
        assertTrue(narrow.err().contains("model vocabulary 258 cannot hold the 30522 ids of tokenizer " + tokenizer),
                narrow.err());
        assertFalse(Files.exists(dir.resolve("narrow")));

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"model\": {\"vocab\": ");
        Cli unreadable = train("--init", wide.toString(), "--tokenizer", broken.toString(), "--out",
                dir.resolve("unreadable").toString());
        assertEquals(2, unreadable.exitCode(), unreadable.out() + unreadable.err());
        assertTrue(unreadable.err().contains("tokenizer " + broken + ": not JSON"), unreadable.err());
        assertFalse(Files.exists(dir.resolve("unreadable")));
    }

    /** MODEL's own tokenizer.json is found without --tokenizer, and the trained directory keeps it. */
    @Test
    void aModelDirectorysTokenizerIsUsedAndCarriedToTheOutput() throws IOException {
        Path model = dir.resolve("model");
        ModelFormats.forOutput(model).write(InitialWeights.create(tiny(BERT_VOCAB), 1).toModel(DType.F32), model);
        Path tokenizer = miniLmTokenizer(model);
        Path out = dir.resolve("trained");
        Path log = dir.resolve("log.json");
        Cli run = run(2, model.toString(), "--out", out.toString(), "--log", log.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains(tokensLine(tokenizer)), run.out());
        assertEquals(-1, Files.mismatch(tokenizer, out.resolve("tokenizer.json")));
    }

    /** OUT carries MODEL's tokenizer.json, so training MODEL through another one is refused before anything. */
    @Test
    void anotherTokenizerThanTheModelDirectorysOwnIsRefused() throws IOException {
        Path model = dir.resolve("model");
        ModelFormats.forOutput(model).write(InitialWeights.create(tiny(BERT_VOCAB), 1).toModel(DType.F32), model);
        Path own = miniLmTokenizer(model);
        Path other = dir.resolve("other-tokenizer.json");
        Files.writeString(other, Files.readString(own).replaceFirst("\\{", "{ "));
        Path out = dir.resolve("trained");
        Cli refused = run(2, model.toString(), "--out", out.toString(), "--tokenizer", other.toString());
        assertEquals(2, refused.exitCode(), refused.out() + refused.err());
        assertTrue(refused.err().contains("--tokenizer " + other + " differs from MODEL's own " + own
                + ", which OUT would carry"), refused.err());
        assertFalse(Files.exists(out));
        Cli same = run(2, model.toString(), "--out", out.toString(), "--tokenizer", own.toString());
        assertEquals(0, same.exitCode(), same.out() + same.err());
        assertEquals(-1, Files.mismatch(own, out.resolve("tokenizer.json")));
    }

    /** What train reports for the corpus through {@code tokenizer}: far fewer tokens than its bytes. */
    private String tokensLine(Path tokenizer) throws IOException {
        try (HfTokenizer wordPiece = HfTokenizer.load(tokenizer)) {
            TextCorpus text = TextCorpus.read(corpus, wordPiece, 10, 16);
            assertTrue(text.train().length < Files.size(corpus) / 3, text.train().length + " tokens");
            return String.format("corpus %s: %,d training and %,d validation tokens (tokenizer %s)", corpus,
                    text.train().length, text.validation().length, tokenizer);
        }
    }

    /** #11's bad input: an empty, a too-short, a missing and a non-UTF-8 corpus; exit 2 and no checkpoint. */
    @Test
    void refusesACorpusItCannotTrainOnBeforeWritingAnything() throws IOException {
        Path out = dir.resolve("trained");
        Files.writeString(corpus, "");
        Cli empty = train("--init", config.toString(), "--out", out.toString(), "--checkpoint-every", "2");
        assertEquals(2, empty.exitCode(), empty.out() + empty.err());
        assertTrue(empty.err().contains(corpus + ": corpus too short: training part has 0 tokens, needs more than"
                + " the context 16; validation part has 0 tokens (0 documents)"), empty.err());

        Files.writeString(corpus, "one short document\n\nand another one\n");
        Cli tooShort = train("--init", config.toString(), "--out", out.toString(), "--checkpoint-every", "2");
        assertEquals(2, tooShort.exitCode(), tooShort.out() + tooShort.err());
        assertTrue(tooShort.err().contains("validation part has 0 tokens (0 documents), needs more than the context"
                + " 16"), tooShort.err());

        Files.write(corpus, "caf\u00e9\n\n".repeat(50).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Cli latin1 = train("--init", config.toString(), "--out", out.toString());
        assertEquals(2, latin1.exitCode(), latin1.out() + latin1.err());
        assertTrue(latin1.err().contains(corpus + ": not UTF-8 text (byte offset 3: 0xe9)"), latin1.err());

        Files.delete(corpus);
        Cli missing = train("--init", config.toString(), "--out", out.toString());
        assertEquals(2, missing.exitCode(), missing.out() + missing.err());
        assertTrue(missing.err().contains("--corpus " + corpus + ": no such file"), missing.err());
        assertEquals(List.of("config.yaml"), list(dir));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static float[] sortedIf(boolean sort, float[] values) {
        if (sort) {
            Arrays.sort(values);
        }
        return values;
    }

    private static TransformerConfig tiny(int vocab) {
        return new TransformerConfig(Architecture.LLAMA, vocab, 16, 1, 32, new AttentionConfig(2, 1, 8, 8, false),
                new MlpConfig(24, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                true);
    }

    /** all-MiniLM-L6-v2's tokenizer.json (BERT's uncased WordPiece, with truncation and padding at 128 set). */
    private static Path miniLmTokenizer(Path directory) throws IOException {
        try (InputStream in = TrainInitCommandTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Path file = directory.resolve("tokenizer.json");
            Files.write(file, in.readAllBytes());
            return file;
        }
    }

    private static List<String> list(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
