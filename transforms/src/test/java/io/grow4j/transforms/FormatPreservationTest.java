package io.grow4j.transforms;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HeadDimExpansion;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grow a model of each Hugging Face family with a plan whose result the family can store, write it as a directory,
 * read it back: the re-read model computes what the original did (≤ 1e-12 in double from F64 files, ≤ 1e-5 relative
 * in single precision from F32 files). GPT-2 and BERT fix head size to hidden / heads, so their plans widen heads
 * along with the hidden size.
 */
class FormatPreservationTest {
    private static final Grower GROWER = new Grower(new CpuPadKernel());
    private static final HfDirectoryFormat FORMAT = new HfDirectoryFormat();

    @TempDir
    Path dir;

    static Stream<Arguments> plans() {
        return Stream.of(
                Arguments.of("llama", TestConfigs.llama(RopeLayout.HALF_SPLIT, false), decoderPlan(
                        TestConfigs.llama(RopeLayout.HALF_SPLIT, false))),
                Arguments.of("mistral", TestConfigs.mistral(), decoderPlan(TestConfigs.mistral())),
                Arguments.of("qwen2 tied", TestConfigs.qwen2(true), decoderPlan(TestConfigs.qwen2(true))),
                // 3 heads × 4 → 4 heads × 6 = 24 = the grown hidden size
                Arguments.of("gpt2 tied", TestConfigs.gpt2(true), List.of(new HeadAddition(1, false),
                        new HiddenExpansion(24), new HeadDimExpansion(6), new MlpExpansion(60),
                        new LayerAddition(1, List.of(1)))),
                Arguments.of("gpt2 untied", TestConfigs.gpt2(false), List.of(new HiddenExpansion(15),
                        new HeadDimExpansion(5), new LayerAddition(1, List.of()))),
                // 2 heads × 6 → 2 heads × 12 = 24 = 2 × 12
                Arguments.of("bert pooler", TestConfigs.bert(true), List.of(new MlpExpansion(40),
                        new HiddenExpansion(24), new HeadDimExpansion(12))),
                Arguments.of("bert", TestConfigs.bert(false), List.of(new HeadAddition(2, false),
                        new HiddenExpansion(24), new MlpExpansion(33))));
    }

    /** Every step but attention expansion of RoPE models beyond an integer ratio; all stay in Llama's format. */
    private static List<GrowthStep> decoderPlan(TransformerConfig c) {
        return List.of(new MlpExpansion(c.mlp().size() + 8), new HeadAddition(c.attention().queriesPerGroup(), false),
                new HiddenExpansion(c.hidden() + 8), new HeadDimExpansion(2 * c.attention().keySize()),
                new LayerAddition(1, List.of(0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void grownModelsSurviveWritingAndReading(String name, TransformerConfig config, List<GrowthStep> steps)
            throws IOException {
        GrowthPlan plan = new GrowthPlan(9, steps);
        assertEquals(List.of(), FORMAT.writeProblems(plan.apply(config)), name + " grown config is writable");
        int[] tokens = Logits.randomTokens(config.vocabSize(), 10, 2);

        Model original = RandomModels.create(config, DType.F64, 21);
        Model reread = writeAndRead(GROWER.grow(original, plan), name + "-f64");
        double diff = Logits.maxDiffDouble(original, reread, tokens);
        assertTrue(diff <= 1e-12, name + ": grown, written and re-read model changed outputs by " + diff);

        Model single = RandomModels.create(config, DType.F32, 22);
        Model rereadSingle = writeAndRead(GROWER.grow(single, plan), name + "-f32");
        assertEquals(DType.F32, rereadSingle.dtype());
        double[] d = Logits.maxDiffFloat(single, rereadSingle, tokens);
        assertTrue(d[0] <= 1e-5 * d[1], name + ": single precision changed by " + d[0] + " (largest " + d[1] + ")");
    }

    /** Fields a family carries without interpreting them (Mistral's sliding_window) survive growth. */
    @Test
    void mistralSlidingWindowSurvivesGrowth() throws IOException {
        Path source = dir.resolve("source");
        FORMAT.write(RandomModels.create(TestConfigs.mistral(), DType.BF16, 3), source);
        Path config = source.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceFirst("\\{", "{\"sliding_window\": 4096,"));
        Model grown = GROWER.grow(FORMAT.read(source), new GrowthPlan(1, List.of(new MlpExpansion(40))));
        Path out = dir.resolve("grown");
        FORMAT.write(grown, out);
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"sliding_window\" : 4096"),
                Files.readString(out.resolve("config.json")));
    }

    private Model writeAndRead(Model model, String name) throws IOException {
        Path out = dir.resolve(name.replace(' ', '-'));
        FORMAT.write(model, out);
        return FORMAT.read(out);
    }
}
