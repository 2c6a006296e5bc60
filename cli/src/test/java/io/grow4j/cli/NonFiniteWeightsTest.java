package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.NonFiniteCount;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.GgufFormat;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.model.format.ModelFormats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8, fault 6: NaN and infinite weights are counted by {@code inspect}, refused by {@code grow} (every path)
 * unless carried on request, and then not spread into new entries; {@code verify} names the model and position
 * where a non-finite logit appeared instead of printing "relative NaN".
 */
class NonFiniteWeightsTest {
    private static final TransformerConfig LLAMA = new TransformerConfig(Architecture.LLAMA, 37, 24, 2, 32,
            new AttentionConfig(4, 2, 6, 6, false), new MlpConfig(40, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
    private static final String PLAN = "seed: 2\nsteps:\n  - hidden: {size: 48}\n  - mlp: {size: 64}\n"
            + "  - layers: {add: 2, at: [1, 2]}\n";

    @TempDir
    Path dir;

    /** One NaN in layer 0's query weights and two infinities in the final norm. */
    private Model broken(DType dtype) {
        Model model = RandomModels.create(LLAMA, dtype, 4);
        model.tensor(Role.WQ, 0).set(5, Double.NaN);
        model.tensor(Role.FINAL_NORM).set(0, Double.POSITIVE_INFINITY);
        model.tensor(Role.FINAL_NORM).set(3, Double.NEGATIVE_INFINITY);
        return model;
    }

    private Path write(Model model, String kind) throws IOException {
        Path path = dir.resolve(kind.equals("gguf") ? "source.gguf" : "source");
        if (kind.equals("gguf")) {
            new GgufFormat().write(model, path);
        } else {
            new HfDirectoryFormat().write(model, path);
        }
        return path;
    }

    private Cli grow(Path source, Path out, String... options) throws IOException {
        Path plan = Files.writeString(dir.resolve("plan.yaml"), PLAN);
        List<String> args = new ArrayList<>(List.of("grow", source.toString(), "--plan", plan.toString(), "--out",
                out.toString()));
        args.addAll(List.of(options));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void inspectCountsThemPerTensor() throws IOException {
        Path source = write(broken(DType.BF16), "dir");
        Cli inspect = Cli.run("inspect", source.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("non-finite   final_norm: 2 infinite of 24 values\n"
                + "             layers.0.wq: 1 NaN of 576 values\n"), inspect.out());
        Path sound = dir.resolve("sound");
        new HfDirectoryFormat().write(RandomModels.create(LLAMA, DType.BF16, 4), sound);
        assertTrue(Cli.run("inspect", sound.toString()).out().contains("non-finite   none\n"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"dir, out, ", "dir, out, --in-memory", "gguf, out.gguf, ", "gguf, out.gguf, --in-memory",
            "dir, out.gguf, "})
    void growRefusesThemNamingTensorsAndCounts(String kind, String output, String option) throws IOException {
        Path source = write(broken(DType.F32), kind);
        Path out = dir.resolve(output);
        Cli run = option == null ? grow(source, out) : grow(source, out, option);
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(source + ": 2 tensors hold non-finite values (final_norm: 2 infinite,"
                + " layers.0.wq: 1 NaN): growth would carry them into the grown model, which then computes NaN; fix"
                + " the source, or pass --allow-non-finite to carry them as they are"), run.err());
        assertFalse(Files.exists(out), "nothing is written");
    }

    /**
     * Carried on request, the one NaN stays one NaN (and the two infinities two): before the fix the fill statistics
     * of a hidden/MLP/layer plan took them in, and every new entry scaled from wq's spread became NaN.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"dir, out, ", "dir, out, --in-memory", "gguf, out.gguf, "})
    void carriedOnRequestTheyDoNotSpread(String kind, String output, String option) throws IOException {
        Path source = write(broken(DType.F32), kind);
        Path out = dir.resolve(output);
        Cli run = option == null ? grow(source, out, "--allow-non-finite")
                : grow(source, out, "--allow-non-finite", option);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("note: " + source + ": 2 tensors hold non-finite values (final_norm: 2"
                + " infinite, layers.0.wq: 1 NaN); carried as they are (--allow-non-finite)"), run.err());
        Model grown = ModelFormats.forInput(out).read(out);
        SortedMap<TensorKey, NonFiniteCount> found = NonFiniteCount.perTensor(grown.tensors());
        assertEquals(Map.of(TensorKey.of(Role.WQ, 0), new NonFiniteCount(1, 0),
                TensorKey.global(Role.FINAL_NORM), new NonFiniteCount(0, 2)), found);
    }

    @Test
    void verifyNamesTheModelAndPositionOfANonFiniteLogit() throws IOException {
        Path sound = dir.resolve("sound");
        new HfDirectoryFormat().write(RandomModels.create(LLAMA, DType.F32, 4), sound);
        Model nan = RandomModels.create(LLAMA, DType.F32, 4);
        nan.tensor(Role.OUTPUT).set(0, Double.NaN);
        Path broken = dir.resolve("broken");
        new HfDirectoryFormat().write(nan, broken);
        Cli verify = Cli.run("verify", sound.toString(), broken.toString());
        assertEquals(1, verify.exitCode(), verify.err());
        assertTrue(verify.out().contains("non-finite    B " + broken + ": logits NaN at sequence 0, position 0"
                + " (first of 128/128 positions)\nFAIL: non-finite logits"), verify.out());
        assertFalse(verify.out().contains("relative"), verify.out());
    }

    /** Before: "all token 0" without a word. */
    @Test
    void generateWarnsThatItsTokensAreMeaningless() throws IOException {
        Path source = write(broken(DType.F32), "dir");
        Cli run = Cli.run("generate", source.toString(), "--steps", "4");
        assertTrue(run.err().contains("warning: " + source + ": 2 tensors hold non-finite values (final_norm: 2"
                + " infinite, layers.0.wq: 1 NaN): its outputs are NaN and the tokens chosen from them meaningless"),
                run.err());
    }

    /** GPT-2's mean fill (LayerNorm): a NaN embedding entry stays out of the new columns of its row. */
    @Test
    void gpt2MeanFillLeavesThemOut() throws IOException {
        TransformerConfig gpt2 = new TransformerConfig(Architecture.GPT2, 41, 12, 2, 32,
                new AttentionConfig(2, 2, 6, 6, true), new MlpConfig(48, Activation.GELU, true), 1e-5,
                new Positions.Learned(), true);
        Model model = RandomModels.create(gpt2, DType.F32, 4);
        model.tensor(Role.TOKEN_EMBEDDING).set(13, Double.NaN);
        Path source = dir.resolve("gpt2");
        new HfDirectoryFormat().write(model, source);
        Path plan = Files.writeString(dir.resolve("gpt2.yaml"), "seed: 2\nsteps:\n  - heads: {add: 1}\n"
                + "  - hidden: {size: 18}\n  - layers: {add: 1, at: [1]}\n");
        Path out = dir.resolve("gpt2-grown");
        Cli run = Cli.run("grow", source.toString(), "--plan", plan.toString(), "--out", out.toString(),
                "--allow-non-finite");
        assertEquals(0, run.exitCode(), run.err());
        Model grown = ModelFormats.forInput(out).read(out);
        assertEquals(Map.of(TensorKey.global(Role.TOKEN_EMBEDDING), new NonFiniteCount(1, 0)),
                NonFiniteCount.perTensor(grown.tensors()));
    }
}
