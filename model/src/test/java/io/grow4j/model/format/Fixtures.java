package io.grow4j.model.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.fixtures.SharedData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Tiny configs, bitwise model comparison and the shared stories260K checkpoint for the format tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** A small Llama with grouped-query attention (4 query heads over 2 kv groups, head size 4). */
    static TransformerConfig llama(boolean tied, RopeLayout layout) {
        return new TransformerConfig(Architecture.LLAMA, 32, 16, 2, 8, new AttentionConfig(4, 2, 4, 4, false),
                new MlpConfig(24, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, layout), tied);
    }

    /** The paper's decoder with learned positions, biases everywhere, and key size != value size. */
    static TransformerConfig genericLearned(boolean tied) {
        return new TransformerConfig(Architecture.GENERIC, 20, 12, 2, 10, new AttentionConfig(3, 1, 6, 5, true),
                new MlpConfig(16, Activation.GELU, true), 2.5e-6, new Positions.Learned(), tied);
    }

    /** The generic decoder with RoPE in the given layout, ReLU, no biases. */
    static TransformerConfig genericRope(RopeLayout layout) {
        return new TransformerConfig(Architecture.GENERIC, 24, 10, 3, 6, new AttentionConfig(2, 2, 4, 6, false),
                new MlpConfig(8, Activation.RELU, false), 1e-6, new Positions.Rope(500000, layout), false);
    }

    /** Same config, same tensors, same dtypes, same bytes. */
    static void assertSameModel(Model expected, Model actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        expected.tensors().forEach((key, e) -> assertSameTensor(key.toString(), e, actual.tensor(key)));
    }

    static void assertSameTensor(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        long at = expected.data().mismatch(actual.data());
        if (at != -1) {
            fail(what + " differs at byte " + at);
        }
    }

    /**
     * The model with one tensor's memory already released, so any write fails part-way through (after the output
     * has been started), as a full disk or a crash would.
     */
    static Model withReleasedTensor(Model model, Role role) {
        Tensor good = model.tensor(role);
        Arena arena = Arena.ofConfined();
        Tensor released = new Tensor(good.dtype(), good.shape(), arena.allocate(good.byteSize()));
        arena.close();
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        tensors.put(TensorKey.global(role), released);
        return new Model(model.config(), tensors);
    }

    static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        }
    }

    /** shared/data/stories260K.bin, for tests marked {@code @RequiresSharedData("stories260K.bin")}. */
    static Path stories260K() {
        return SharedData.path("stories260K.bin");
    }
}
