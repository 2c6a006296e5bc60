package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.TensorKernels;
import io.grow4j.kernels.cpu.CpuKernels;
import io.grow4j.model.Architecture;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RandomModels;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.HfDirectoryFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Weights read in place from the stored tensors (CpuKernels as {@link TensorKernels}) against the float-array path
 * (the same CpuKernels behind a plain {@link KernelBackend}, which gets float copies), and batched prefill against
 * token-by-token decoding, on every family's config shapes.
 */
class MappedWeightsTest {
    private static final CpuKernels CPU = new CpuKernels(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static Map<String, TransformerConfig> families() {
        Map<String, TransformerConfig> all = new LinkedHashMap<>(TestConfigs.all());
        all.put("wide", TestConfigs.wide());
        all.put("qwen3", BlockPartsTest.config(Architecture.QWEN3, 1e-5));
        all.put("olmo2", BlockPartsTest.config(Architecture.OLMO2, 1e-5));
        // Experts are slices of stacked tensors, read in place; the batched path routes row by row.
        all.put("mixtral", MixtureOfExpertsTest.config(Architecture.MIXTRAL, 4, 2));
        // GeGLU: decoding's gated step runs in the products' pass, the array path's after them.
        all.put("gemma2", GemmaPartsTest.config(Architecture.GEMMA2,
                java.util.List.of(io.grow4j.model.AttentionShape.LayerAttention.SLIDING,
                        io.grow4j.model.AttentionShape.LayerAttention.FULL),
                2.0, 3.0, 10, 0));
        return all;
    }

    @Test
    void inPlaceF32EqualsTheArrayPath() {
        KernelBackend arrays = arraysOnly(CPU);
        assertFalse(arrays instanceof TensorKernels);
        for (Map.Entry<String, TransformerConfig> e : families().entrySet()) {
            Model model = RandomModels.create(e.getValue(), DType.F32, e.getKey().hashCode());
            int[] tokens = ForwardPassTest.randomTokens(e.getValue(), Math.min(12, e.getValue().maxSeqLen()), 3);
            // Decoding reads F32 rows in place in the array path's summation order: the same floats, bit for bit.
            float[][] want = new ForwardPass(model, arrays).logits(tokens);
            float[][] got = new ForwardPass(model, CPU).logits(tokens);
            for (int t = 0; t < want.length; t++) {
                assertArrayEquals(want[t], got[t], e.getKey() + " position " + t);
            }
        }
    }

    /** F16 and BF16 weights are converted in registers; the reference reads the same rounded values in double. */
    @Test
    void inPlaceHalfPrecisionMatchesTheReferenceOnTheSameRoundedWeights() {
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            for (Map.Entry<String, TransformerConfig> e : families().entrySet()) {
                Model model = RandomModels.create(e.getValue(), dtype, e.getKey().hashCode());
                int[] tokens = ForwardPassTest.randomTokens(e.getValue(), Math.min(12, e.getValue().maxSeqLen()), 5);
                ForwardPassTest.assertCloseToReference(new ReferenceForward(model).logits(tokens),
                        new ForwardPass(model, CPU).logits(tokens), e.getKey() + " " + dtype);
            }
        }
    }

    /**
     * A batch large enough for its per-row steps (norms, biases, RoPE, residual adds) and its attention heads to be
     * split between threads gives the same bits on three threads as on one (a step reading another row's buffers or
     * a half-written weight would not).
     */
    @Test
    void aWideBatchIsTheSameBitsOnOneThreadAndOnThree() {
        TransformerConfig config = TestConfigs.wide();
        Model model = RandomModels.create(config, DType.F32, 23);
        int[][] batch = {ForwardPassTest.randomTokens(config, config.maxSeqLen(), 1),
                ForwardPassTest.randomTokens(config, config.maxSeqLen() - 21, 2)};
        float[][][] want;
        try (CpuKernels one = new CpuKernels(1)) {
            want = new ForwardPass(model, one).logits(batch);
        }
        try (CpuKernels three = new CpuKernels(3)) {
            float[][][] got = new ForwardPass(RandomModels.create(config, DType.F32, 23), three).logits(batch);
            for (int s = 0; s < batch.length; s++) {
                for (int t = 0; t < batch[s].length; t++) {
                    assertArrayEquals(want[s][t], got[s][t], "sequence " + s + " position " + t);
                }
            }
        }
    }

    @Test
    void batchedPrefillEqualsTokenByTokenDecoding() {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            for (Map.Entry<String, TransformerConfig> e : families().entrySet()) {
                Model model = RandomModels.create(e.getValue(), dtype, e.getKey().hashCode());
                ForwardPass pass = new ForwardPass(model, CPU);
                int length = Math.min(9, e.getValue().maxSeqLen());
                int[][] batch = {ForwardPassTest.randomTokens(e.getValue(), length, 1),
                        ForwardPassTest.randomTokens(e.getValue(), length - 2, 2),
                        ForwardPassTest.randomTokens(e.getValue(), 1, 3)};
                float[][][] batched = pass.logits(batch);
                for (int s = 0; s < batch.length; s++) {
                    assertRelative(pass.logits(batch[s]), batched[s], 1e-5, e.getKey() + " " + dtype + " seq " + s);
                }
            }
        }
    }

    /**
     * A model read from its files (mapped, read-only) scores a batch exactly as the same model in memory: the
     * readahead of the next layer's mapped weights only touches pages.
     */
    @Test
    void mappedFilesScoreAsTheModelInMemory(@TempDir Path dir) throws java.io.IOException {
        TransformerConfig config = TestConfigs.all().values().iterator().next();
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Model model = RandomModels.create(config, dtype, 17);
            Path files = dir.resolve(dtype.name());
            new HfDirectoryFormat().write(model, files);
            Model mapped = new HfDirectoryFormat().read(files);
            assertTrue(mapped.tensor(io.grow4j.model.Role.TOKEN_EMBEDDING).data().isMapped(), "read by mapping");
            int[][] batch = {ForwardPassTest.randomTokens(config, Math.min(7, config.maxSeqLen()), 4),
                    ForwardPassTest.randomTokens(config, Math.min(3, config.maxSeqLen()), 5)};
            float[][][] want = new ForwardPass(model, CPU).logits(batch);
            float[][][] got = new ForwardPass(mapped, CPU).logits(batch);
            for (int s = 0; s < batch.length; s++) {
                for (int t = 0; t < want[s].length; t++) {
                    assertArrayEquals(want[s][t], got[s][t], dtype + " sequence " + s + " position " + t);
                }
            }
        }
    }

    /** The in-place path really is taken: a read-only tensor view is all it needs (no float copy is kept). */
    @Test
    void cpuReadsEveryStoredFloatDtypeInPlace() {
        for (DType dtype : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            assertTrue(new Weight(io.grow4j.model.Tensor.allocate(dtype, 4, 4)).inPlace(CPU), dtype.toString());
        }
        assertFalse(new Weight(io.grow4j.model.Tensor.allocate(DType.F64, 4, 4)).inPlace(CPU));
    }

    static void assertRelative(float[][] want, float[][] got, double tolerance, String what) {
        LogitBounds.assertRelative(want, got, tolerance, what);
    }

    /** The backend's KernelBackend methods only, so the pass hands it float arrays (the old path). */
    static KernelBackend arraysOnly(KernelBackend backend) {
        return (KernelBackend) Proxy.newProxyInstance(KernelBackend.class.getClassLoader(),
                new Class<?>[] {KernelBackend.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(backend, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
