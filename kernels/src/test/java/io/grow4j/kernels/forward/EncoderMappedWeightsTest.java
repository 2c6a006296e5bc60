package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder pass with weights read in place (CpuKernels as a {@link io.grow4j.kernels.TensorKernels}) against the
 * float-array path it replaced (the same CpuKernels behind a plain {@link KernelBackend}, which gets float copies and
 * the array matmul: the old EncoderForward's calls), and in F16/BF16 against the double reference on the same rounded
 * weights.
 */
class EncoderMappedWeightsTest {
    private static final CpuKernels CPU = new CpuKernels(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Shapes that reach both matmul paths: under 8 positions (row dots) and over (the packed kernel, several tasks). */
    private static Map<String, TransformerConfig> configs() {
        Map<String, TransformerConfig> all = new LinkedHashMap<>();
        all.put("two token types, pooler", EncoderTest.bert(2, 4, 4).withPooler(true));
        all.put("no token types", EncoderTest.bert(0, 2, 2));
        all.put("grouped kv heads", EncoderTest.bert(3, 4, 2));
        all.put("wide, gelu_new", new TransformerConfig(Architecture.BERT, 97, 72, 2, 40,
                new AttentionConfig(4, 4, 18, 18, true), new MlpConfig(150, Activation.GELU_TANH, true), 1e-12,
                new Positions.Learned(), false, 2, true));
        return all;
    }

    private static int[] lengths(TransformerConfig config) {
        return new int[] {5, config.maxSeqLen()};
    }

    /** Both paths make the same calls on the same float values, so the hidden states and pooled outputs agree exactly. */
    @Test
    void inPlaceF32EqualsTheArrayPath() {
        KernelBackend arrays = MappedWeightsTest.arraysOnly(CPU);
        configs().forEach((name, config) -> {
            Model model = RandomModels.create(config, DType.F32, name.hashCode());
            EncoderForward old = new EncoderForward(model, arrays);
            EncoderForward inPlace = new EncoderForward(model, CPU);
            for (int n : lengths(config)) {
                int[] tokens = EncoderTest.random(n, config.vocabSize(), n);
                int[] types = EncoderTest.random(n, Math.max(1, config.typeVocabSize()), n + 1);
                float[][] want = old.hiddenStates(tokens, types);
                float[][] got = inPlace.hiddenStates(tokens, types);
                for (int t = 0; t < n; t++) {
                    assertArrayEquals(want[t], got[t], name + ", " + n + " tokens, position " + t);
                }
                if (config.pooler()) {
                    assertArrayEquals(old.pooled(want), inPlace.pooled(got), name + " pooled");
                }
            }
        });
    }

    @Test
    void inPlaceHalfPrecisionMatchesTheReferenceOnTheSameRoundedWeights() {
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            configs().forEach((name, config) -> {
                Model model = RandomModels.create(config, dtype, name.hashCode());
                EncoderReference reference = new EncoderReference(model);
                EncoderForward pass = new EncoderForward(model, CPU);
                for (int n : lengths(config)) {
                    int[] tokens = EncoderTest.random(n, config.vocabSize(), 7 * n);
                    int[] types = EncoderTest.random(n, Math.max(1, config.typeVocabSize()), 7 * n + 1);
                    double[][] want = reference.hiddenStates(tokens, types);
                    float[][] got = pass.hiddenStates(tokens, types);
                    String what = name + " " + dtype + ", " + n + " tokens";
                    EncoderTest.assertClose(want, got, what);
                    if (config.pooler()) {
                        EncoderTest.assertClose(new double[][] {reference.pooled(want)},
                                new float[][] {pass.pooled(got)}, what + " pooled");
                    }
                }
            });
        }
    }

    /** On cpu no matrix gets a float copy; the array backend copies every projection (so the check can fail). */
    @Test
    void cpuMakesNoFloatCopyOfAnyMatrix() {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            TransformerConfig config = configs().get("two token types, pooler");
            Model model = RandomModels.create(config, dtype, 4);
            int[] tokens = EncoderTest.random(9, config.vocabSize(), 1);
            int[] types = EncoderTest.random(9, 2, 2);
            EncoderForward pass = new EncoderForward(model, CPU);
            pass.pooled(pass.hiddenStates(tokens, types));
            for (Weight w : pass.matrices()) {
                assertFalse(w.copied(), dtype + " " + w.tensor() + " was copied to float");
            }
            EncoderForward arrays = new EncoderForward(model, MappedWeightsTest.arraysOnly(CPU));
            arrays.pooled(arrays.hiddenStates(tokens, types));
            List<Weight> copied = arrays.matrices().stream().filter(Weight::copied).toList();
            assertTrue(copied.size() == 6 * config.layers() + 1, dtype + ": the array path copies every projection"
                    + " and the pooler, copied " + copied.size());
        }
    }

    /** A model read from its files (mapped, read-only) gives exactly the states of the same model in memory. */
    @Test
    void mappedFilesGiveTheStatesOfTheModelInMemory(@TempDir Path dir) throws IOException {
        TransformerConfig config = configs().get("wide, gelu_new");
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Model model = RandomModels.create(config, dtype, 17);
            Path files = dir.resolve(dtype.name());
            new HfDirectoryFormat().write(model, files);
            Model mapped = new HfDirectoryFormat().read(files);
            assertTrue(mapped.tensor(Role.WQ, 0).data().isMapped(), "read by mapping");
            int[] tokens = EncoderTest.random(23, config.vocabSize(), 3);
            int[] types = EncoderTest.random(23, 2, 4);
            float[][] want = new EncoderForward(model, CPU).hiddenStates(tokens, types);
            float[][] got = new EncoderForward(mapped, CPU).hiddenStates(tokens, types);
            for (int t = 0; t < want.length; t++) {
                assertArrayEquals(want[t], got[t], dtype + " position " + t);
            }
        }
    }

    /**
     * A batch of sequences, all positions through each projection together, gives each sequence's states alone
     * within 1e-5 relative (issue #10's bound for batched scoring): only the matrix products' summation order differs.
     * A position attending across sequences would break this by far more.
     */
    @Test
    void batchedSequencesEqualEachSequenceAlone() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            configs().forEach((name, config) -> {
                Model model = RandomModels.create(config, dtype, name.hashCode());
                EncoderForward pass = new EncoderForward(model, CPU);
                int types = Math.max(1, config.typeVocabSize());
                int[] lengths = {config.maxSeqLen(), 3, 9, 1};
                int[][] tokens = new int[lengths.length][];
                int[][] typeIds = new int[lengths.length][];
                for (int s = 0; s < lengths.length; s++) {
                    tokens[s] = EncoderTest.random(lengths[s], config.vocabSize(), 11 * s);
                    typeIds[s] = EncoderTest.random(lengths[s], types, 11 * s + 1);
                }
                float[][][] batched = pass.hiddenStates(tokens, typeIds);
                for (int s = 0; s < lengths.length; s++) {
                    LogitBounds.assertRelative(pass.hiddenStates(tokens[s], typeIds[s]), batched[s], 1e-5,
                            name + " " + dtype + " sequence " + s);
                }
            });
        }
    }

    @Test
    void aBatchNamesEveryBadSequence() {
        TransformerConfig config = EncoderTest.bert(2, 4, 4);
        EncoderForward pass = new EncoderForward(RandomModels.create(config, DType.F32, 1), CPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pass.hiddenStates(new int[][] {{1, 2}, {3, 31}, {4}}, new int[][] {{0, 1}, {0, 0}, {2}}));
        for (String part : List.of("sequence 1: token id 31", "sequence 2: token type 2 at position 0")) {
            assertTrue(e.getMessage().contains(part), e.getMessage() + " should say '" + part + "'");
        }
        assertFalse(e.getMessage().contains("sequence 0"), e.getMessage());
        IllegalArgumentException count = assertThrows(
                IllegalArgumentException.class, () -> pass.hiddenStates(new int[][] {{1}, {2}}, new int[][] {{0}}));
        assertTrue(count.getMessage().contains("2 sequences but 1 arrays of token types"), count.getMessage());
    }
}
