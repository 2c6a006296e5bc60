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
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.train.AdamW;
import io.grow4j.train.InitialWeights;
import io.grow4j.train.OptimizerStateFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** grow4j train on a tiny byte-level llama the test writes, with growth mid-run, and its refusals. */
class TrainCommandTest {
    private static final TransformerConfig TINY = new TransformerConfig(Architecture.LLAMA, 258, 16, 1, 32,
            new AttentionConfig(2, 1, 8, 8, false), new MlpConfig(24, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.HALF_SPLIT), true);

    @TempDir
    Path dir;
    Path model;
    Path corpus;
    Path plan;

    @BeforeEach
    void setUp() throws IOException {
        model = dir.resolve("model");
        ModelFormats.forOutput(model).write(InitialWeights.create(TINY, 1).toModel(DType.F32), model);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            text.append("Paragraph ").append(i).append(": the mill wheel turned as the river ran past the stones")
                    .append(i % 3 == 0 ? " in the spring.\n\n" : " of the old village.\n\n");
        }
        corpus = Files.writeString(dir.resolve("corpus.txt"), text);
        plan = Files.writeString(dir.resolve("plan.yaml"),
                "steps:\n  - mlp: {size: 40}\n  - hidden: {size: 24}\n  - layers: {add: 1}\n");
    }

    @Test
    void trainsGrowsMidRunAndWritesModelAndLog() throws IOException {
        Path out = dir.resolve("trained");
        Path log = dir.resolve("log.json");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "12", "--batch", "4", "--context", "32", "--eval-every", "4", "--lr", "1e-2",
                "--grow-at", "6:" + plan, "--log", log.toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("grew at step 6"), run.out());
        Model trained = ModelFiles.read(out);
        assertEquals(24, trained.config().hidden());
        assertEquals(2, trained.config().layers());
        assertEquals(40, trained.config().mlp().size());
        AdamW state = OptimizerStateFile.read(dir.resolve("trained.optimizer.safetensors"), trained.config(),
                AdamW.Settings.defaults());
        assertEquals(12, state.step());
        JsonNode entries = new ObjectMapper().readTree(log.toFile());
        assertEquals(13, entries.size());
        assertEquals(4 * 32 * 12, entries.get(12).get("tokens").asLong());
        assertTrue(entries.get(12).get("validationLoss").asDouble() < entries.get(0).get("validationLoss").asDouble(),
                "validation loss should fall: " + entries.get(0) + " -> " + entries.get(12));
    }

    /**
     * A GPT-2 Hugging Face directory (LayerNorm, learned positions, biases, gelu_new) trained and grown mid-run by
     * every step kind GPT-2 takes: the validation loss right after growth equals the one before, within float32
     * rounding, and the grown model is written as a GPT-2 directory with its optimizer state.
     */
    @Test
    void trainsAGpt2DirectoryAndGrowsItMidRun() throws IOException {
        TransformerConfig gpt2 = new TransformerConfig(Architecture.GPT2, 258, 16, 1, 32,
                new AttentionConfig(2, 2, 8, 8, true), new MlpConfig(64, Activation.GELU_TANH, true), 1e-5,
                new Positions.Learned(), true);
        Path source = dir.resolve("gpt2");
        ModelFormats.forOutput(source).write(InitialWeights.create(gpt2, 1).toModel(DType.F32), source);
        Path grow = Files.writeString(dir.resolve("gpt2-plan.yaml"),
                "steps:\n  - mlp: {size: 96}\n  - heads: {add: 1}\n  - hidden: {size: 24}\n  - layers: {add: 1}\n");
        Path out = dir.resolve("gpt2-trained");
        Cli run = Cli.run("train", source.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "12", "--batch", "4", "--context", "32", "--eval-every", "4", "--lr", "1e-2",
                "--grow-at", "6:" + grow);
        assertEquals(0, run.exitCode(), run.out() + run.err());
        java.util.regex.Matcher grew = java.util.regex.Pattern.compile("grew at step 6: .* validation loss"
                + " ([0-9.]+) -> ([0-9.]+)").matcher(run.out());
        assertTrue(grew.find(), run.out());
        double before = Double.parseDouble(grew.group(1));
        assertEquals(before, Double.parseDouble(grew.group(2)), 1e-5 * before, run.out());
        Model trained = ModelFiles.read(out);
        assertEquals(Architecture.GPT2, trained.config().architecture());
        assertEquals(List.of(24, 2, 96, 3), List.of(trained.config().hidden(), trained.config().layers(),
                trained.config().mlp().size(), trained.config().attention().queryHeads()));
        AdamW state = OptimizerStateFile.read(dir.resolve("gpt2-trained.optimizer.safetensors"), trained.config(),
                AdamW.Settings.defaults());
        assertEquals(12, state.step());
    }

    /** An encoder is refused before anything is written, naming its family and the parts training lacks. */
    @Test
    void refusesABertDirectoryNamingItsParts() throws IOException {
        TransformerConfig bert = new TransformerConfig(Architecture.BERT, 300, 16, 1, 32,
                new AttentionConfig(2, 2, 8, 8, true), new MlpConfig(32, Activation.GELU, true), 1e-12,
                new Positions.Learned(), false, 2, false);
        Path source = dir.resolve("bert");
        ModelFormats.forOutput(source).write(io.grow4j.model.RandomModels.create(bert, DType.F32, 1), source);
        Path out = dir.resolve("bert-trained");
        Cli run = Cli.run("train", source.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "4", "--context", "32");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("bert has post-norm blocks (a norm after each residual add), bidirectional"
                + " attention (an encoder), an embedding LayerNorm, which the backward pass does not implement"),
                run.err());
        assertTrue(run.err().contains("the model has no language-model head"), run.err());
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void drawsTheLossPlotAndAProgressBar() throws IOException {
        Path plot = dir.resolve("loss.png");
        String bar = Cli.processStderrOf(() -> assertEquals(0, train(dir.resolve("plotted"), model.toString(),
                "--plot", plot.toString(), "--progress").exitCode()));
        byte[] png = Files.readAllBytes(plot);
        assertEquals("PNG", new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(png.length > 5000, "a drawn chart, " + png.length + " bytes");
        assertTrue(bar.contains("train") && bar.contains("12/12 steps") && bar.contains("tokens/s"), bar);
        assertFalse(bar.contains("\u001b["), "no terminal colours in a log: " + bar);
    }

    @Test
    void refusesEveryProblemBeforeTraining() throws IOException {
        Path out = dir.resolve("trained");
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "steps:\n  - mlp: {size: 10}\n");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "10", "--context", "64", "--grow-at", "12:" + plan, "--grow-at", "5:" + bad,
                "--optimizer-state", "keep");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        List<String> lines = run.err().lines().toList();
        for (String fragment : List.of("--context 64 exceeds the model's maximum sequence length 32",
                "step 12 is outside the run's steps 1..9", "--grow-at step 5: step 1 (mlp): MLP size 10 would shrink",
                "--optimizer-state must be carry or reset, got 'keep'")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("grow4j train: error: ") && l.contains(fragment)),
                    "no error line containing '" + fragment + "' in:\n" + run.err());
        }
        assertFalse(Files.exists(out));
    }

    /** Two options naming one file: refused, not one output silently overwriting the other. */
    @Test
    void refusesOutputsThatNameTheSameFile() throws IOException {
        Path out = dir.resolve("trained");
        Path log = dir.resolve("log.json");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "2", "--context", "16", "--log", out.toString(), "--plot", log.toString(),
                "--checkpoint-every", "1", "--checkpoint-dir", log.toString());
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("--log " + out + " is also --out"), run.err());
        assertTrue(run.err().contains("--checkpoint-dir " + log + " is also --plot"), run.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(log));
    }

    /**
     * A --checkpoint-dir that is the source model's directory (or lies inside it) would add step directories to the
     * model being read: refused like an --out there, naming the first checkpoint, and the model left as it was.
     */
    @Test
    void refusesCheckpointsInsideTheModelItReads() throws IOException {
        List<String> before;
        try (var files = Files.list(model)) {
            before = files.map(Path::toString).sorted().toList();
        }
        Path out = dir.resolve("trained");
        for (Path checkpoints : List.of(model, model.resolve("ck"))) {
            Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                    "--steps", "4", "--context", "16", "--checkpoint-every", "2", "--checkpoint-dir",
                    checkpoints.toString());
            assertEquals(2, run.exitCode(), run.out() + run.err());
            assertTrue(run.err().contains("--checkpoint-dir: output " + checkpoints.resolve("step-000002")
                    + " overlaps the model " + model), run.err());
            assertFalse(Files.exists(out));
        }
        try (var files = Files.list(model)) {
            assertEquals(before, files.map(Path::toString).sorted().toList());
        }
    }

    /** Resuming may write new checkpoints beside the resumed one, but not inside it. */
    @Test
    void resumeRefusesCheckpointsInsideTheResumedCheckpoint() throws IOException {
        Path first = dir.resolve("first");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", first.toString(),
                "--steps", "6", "--context", "16", "--checkpoint-every", "2");
        assertEquals(0, run.exitCode(), run.out() + run.err());
        Path checkpoint = dir.resolve("first.checkpoints").resolve("step-000002");
        Cli inside = Cli.run("train", "--resume", checkpoint.toString(), "--corpus", corpus.toString(), "--out",
                dir.resolve("inside").toString(), "--steps", "6", "--context", "16", "--checkpoint-every", "2",
                "--checkpoint-dir", checkpoint.toString());
        assertEquals(2, inside.exitCode(), inside.out() + inside.err());
        assertTrue(inside.err().contains("--checkpoint-dir: output " + checkpoint.resolve("step-000004")
                + " overlaps the checkpoint " + checkpoint), inside.err());
        Cli beside = Cli.run("train", "--resume", checkpoint.toString(), "--corpus", corpus.toString(), "--out",
                dir.resolve("beside").toString(), "--steps", "6", "--context", "16", "--checkpoint-every", "2",
                "--checkpoint-dir", checkpoint.getParent().toString(), "--force");
        assertEquals(0, beside.exitCode(), beside.out() + beside.err());
    }

    /**
     * Checkpoints inside OUT were deleted when OUT replaced itself at the end (with --force), and an OUT named like a
     * checkpoint replaced that checkpoint: both refused before training, nothing written.
     */
    @Test
    void refusesOutputsInsideOneAnother() throws IOException {
        Path out = Files.createDirectory(dir.resolve("trained"));
        Cli nested = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--force", "--steps", "4", "--context", "16", "--checkpoint-every", "2", "--checkpoint-dir",
                out.resolve("ck").toString());
        assertEquals(2, nested.exitCode(), nested.out() + nested.err());
        assertTrue(nested.err().contains("--checkpoint-dir " + out.resolve("ck") + " lies inside --out " + out),
                nested.err());
        Path checkpoints = Files.createDirectory(dir.resolve("ck"));
        Path named = checkpoints.resolve("step-000002");
        Cli asCheckpoint = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out",
                named.toString(), "--steps", "4", "--context", "16", "--checkpoint-every", "2", "--checkpoint-dir",
                checkpoints.toString());
        assertEquals(2, asCheckpoint.exitCode(), asCheckpoint.out() + asCheckpoint.err());
        assertTrue(asCheckpoint.err().contains("--checkpoint-dir " + checkpoints + " contains --out " + named),
                asCheckpoint.err());
        try (var files = Files.list(out)) {
            assertEquals(0, files.count());
        }
        try (var files = Files.list(checkpoints)) {
            assertEquals(0, files.count());
        }
    }

    /** A log over the corpus is refused as the log it is: the advice once said "write the grown model elsewhere". */
    @Test
    void aLogOverTheCorpusIsRefusedNamingTheLogNotAModel() throws IOException {
        String text = Files.readString(corpus);
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out",
                dir.resolve("trained").toString(), "--steps", "2", "--context", "16", "--log", corpus.toString(),
                "--force");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("output " + corpus + " overlaps the corpus " + corpus + ": it is "), run.err());
        assertTrue(run.err().contains("write it elsewhere"), run.err());
        assertFalse(run.err().contains("grown model"), run.err());
        assertEquals(text, Files.readString(corpus));
    }

    /** --steps 0 is the only fault: the default --rewarm 0 must not be reported as out of range too. */
    @Test
    void zeroStepsIsReportedAloneWithoutASpuriousRewarmError() throws IOException {
        Path out = dir.resolve("trained");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "0", "--context", "16");
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("steps must be positive, got 0"), run.err());
        assertFalse(run.err().contains("--rewarm"), run.err());
        assertFalse(Files.exists(out));
    }

    /** Found before training, not after: llama2.c files cannot hold the epsilon hidden growth rescales. */
    @Test
    void refusesAnOutputFormatThatCannotHoldTheGrownModel() throws IOException {
        Path out = dir.resolve("trained.bin");
        Cli run = Cli.run("train", model.toString(), "--corpus", corpus.toString(), "--out", out.toString(),
                "--steps", "10", "--context", "32", "--grow-at", "5:" + plan);
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("cannot write the trained model as " + out), run.err());
        assertFalse(run.out().contains("step 0:"), "no training before the refusal: " + run.out());
        assertFalse(Files.exists(out));
    }

    private Cli train(Path out, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--corpus", corpus.toString(), "--out",
                out.toString(), "--steps", "12", "--batch", "4", "--context", "32", "--eval-every", "3", "--lr",
                "1e-2", "--grow-at", "6:" + plan, "--rewarm", "4"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    /** Resumed before and after the growth: the same log (every loss, FLOPs and rate) and the same weights. */
    @Test
    void aResumedRunWritesTheUninterruptedLogAndModelBitForBit() throws IOException {
        Path whole = dir.resolve("whole");
        Cli run = train(whole, model.toString(), "--checkpoint-every", "4", "--log", dir.resolve("whole.json")
                .toString());
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertEquals(List.of("step-000004", "step-000008"), list(dir.resolve("whole.checkpoints")));
        for (String step : List.of("step-000004", "step-000008")) {
            Path out = dir.resolve("from-" + step);
            Path log = dir.resolve(step + ".json");
            Cli resumed = train(out, "--resume", dir.resolve("whole.checkpoints").resolve(step).toString(), "--log",
                    log.toString());
            assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
            assertEquals(Files.readString(dir.resolve("whole.json")), Files.readString(log), step);
            Model want = ModelFiles.read(whole);
            Model got = ModelFiles.read(out);
            assertEquals(want.config(), got.config());
            want.tensors().forEach((key, t) -> org.junit.jupiter.api.Assertions.assertArrayEquals(t.toFloatArray(),
                    got.tensor(key).toFloatArray(), step + " " + key));
            assertEquals(-1, Files.mismatch(dir.resolve("whole.optimizer.safetensors"),
                    dir.resolve("from-" + step + ".optimizer.safetensors")), step);
        }
    }

    /**
     * A checkpoint holds the complete model OUT would be at its step: MODEL's carried files (tokenizer_config.json,
     * a README, a file in a subdirectory) as well as the weights, so OUT of a resumed run is the uninterrupted run's
     * OUT file for file and byte for byte, in a directory and in a GGUF file (whose metadata the checkpoint keeps).
     */
    @Test
    void checkpointsAreCompleteModelsSoAResumedRunWritesTheSameOutFiles() throws IOException {
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"model_max_length\": 32}\n");
        Files.writeString(model.resolve("README.md"), "# tiny\n");
        Files.createDirectories(model.resolve("extra"));
        Files.writeString(model.resolve("extra/notes.txt"), "carried along\n");
        Path gguf = dir.resolve("model.gguf");
        assertEquals(0, Cli.run("convert", model.toString(), gguf.toString()).exitCode());
        for (String name : List.of("whole", "whole.gguf")) {
            Path whole = dir.resolve(name);
            Cli run = train(whole, name.endsWith(".gguf") ? gguf.toString() : model.toString(),
                    "--checkpoint-every", "4");
            assertEquals(0, run.exitCode(), run.out() + run.err());
            Path checkpoint = dir.resolve(name + ".checkpoints/step-000008");
            assertSameFiles(whole, checkpoint.resolve(name), "checkpoint " + checkpoint, true);
            Path resumedOut = dir.resolve("resumed-" + name);
            Cli resumed = train(resumedOut, "--resume", checkpoint.toString());
            assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
            assertSameFiles(whole, resumedOut, "resumed " + name, false);
        }
    }

    /**
     * The same relative file names under both paths (or both single files), each of the same bytes; with {@code
     * namesOnly} the weights may differ (a checkpoint holds an earlier step's).
     */
    private static void assertSameFiles(Path want, Path got, String what, boolean namesOnly) throws IOException {
        List<String> names = tree(want);
        assertEquals(names, tree(got), what + ": files");
        for (String name : names) {
            Path a = name.isEmpty() ? want : want.resolve(name);
            Path b = name.isEmpty() ? got : got.resolve(name);
            boolean weights = name.isEmpty() || name.endsWith(".safetensors");
            if (!(namesOnly && weights)) {
                assertEquals(-1, Files.mismatch(a, b), what + ": bytes of " + (name.isEmpty() ? a : name));
            }
        }
    }

    /** Every regular file under {@code root}, relative and sorted; "" for a single file. */
    private static List<String> tree(Path root) throws IOException {
        if (Files.isRegularFile(root)) {
            return List.of("");
        }
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void refusesABrokenOrMismatchedCheckpointBeforeWritingAnything() throws IOException {
        assertEquals(0, train(dir.resolve("whole"), model.toString(), "--checkpoint-every", "4")
                .exitCode());
        Path checkpoint = dir.resolve("whole.checkpoints/step-000004");
        Path out = dir.resolve("again");
        Cli other = Cli.run("train", "--resume", checkpoint.toString(), "--corpus", corpus.toString(), "--out",
                out.toString(), "--steps", "12", "--batch", "2", "--context", "32", "--eval-every", "3", "--lr", "1e-2",
                "--seed", "5");
        assertEquals(2, other.exitCode(), other.out() + other.err());
        assertTrue(other.err().contains("--resume " + checkpoint + ": batch: checkpoint 4, asked 2"), other.err());
        assertTrue(other.err().contains("seed: checkpoint 1, asked 5"), other.err());

        Path optimizer = checkpoint.resolve("optimizer.safetensors");
        byte[] bytes = Files.readAllBytes(optimizer);
        Files.write(optimizer, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Cli truncated = train(out, "--resume", checkpoint.toString());
        assertEquals(2, truncated.exitCode(), truncated.out() + truncated.err());
        assertTrue(truncated.err().contains("tensor v.layers.0.w_down: expected F32 [16, 24], got F32 [16, 24] at"
                + " bytes 49160..50696, past the file's end at 50596"), truncated.err());
        assertFalse(truncated.err().contains("\tat "), "no stack trace: " + truncated.err());

        Files.writeString(checkpoint.resolve("run.json"), "{\"log\": []}");
        Cli record = train(out, "--resume", checkpoint.toString());
        assertEquals(2, record.exitCode(), record.out() + record.err());
        assertTrue(record.err().contains("run.json: not a run record: no settings, config"), record.err());

        Cli neither = train(out);
        assertEquals(2, neither.exitCode(), neither.out() + neither.err());
        assertTrue(neither.err().contains("give the MODEL to train, --init CONFIG.yaml or --resume DIR, got none"),
                neither.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("again.checkpoints")));
    }

    private static List<String> list(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
