package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Llama2cFormatTest {
    private final Llama2cFormat format = new Llama2cFormat();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void roundTripIsBitExact(boolean tied) throws IOException {
        Model model = RandomModels.create(Fixtures.llama(tied, RopeLayout.INTERLEAVED), DType.F32, 42);
        Path file = dir.resolve("model.bin");
        format.write(model, file);
        assertSameModel(model, format.read(file));
        assertEquals(List.of(file), Fixtures.listing(dir), "no temporary file left behind");
    }

    @Test
    void otherDtypesAreStoredAsFloat32() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F64, 7);
        Path file = dir.resolve("model.bin");
        format.write(model, file);
        assertSameModel(model.convertTo(DType.F32), format.read(file));
    }

    @Test
    void halfSplitModelIsStoredInterleavedByPermutingRows() throws IOException {
        Model half = RandomModels.create(Fixtures.llama(true, RopeLayout.HALF_SPLIT), DType.F32, 5);
        Path file = dir.resolve("half.bin");
        format.write(half, file);
        Model read = format.read(file);
        assertEquals(new Positions.Rope(10000, RopeLayout.INTERLEAVED), read.config().positions());
        assertSameModel(half, RopePermutation.toLayout(read, RopeLayout.HALF_SPLIT));
    }

    /**
     * Checks the layout against offsets counted by hand (not via Llama2cLayout), so a reader and writer that agreed
     * on a wrong order would still fail. Config: dim 16, hidden 24, 2 layers, 4 heads, 2 kv heads, head size 4,
     * vocab 32, seq 8.
     */
    @Test
    void fileLayoutMatchesLlama2c() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 9);
        Path file = dir.resolve("model.bin");
        format.write(model, file);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(28 + 4976 * 4, bytes.capacity());
        int[] header = new int[7];
        Arrays.setAll(header, i -> bytes.getInt(4 * i));
        assertEquals(List.of(16, 24, 2, 4, 2, -32, 8), Arrays.stream(header).boxed().toList());
        // Float offsets of each stacked section: embedding 0, rms_att 512, wq 544, wk 1056, wv 1312, wo 1568,
        // rms_ffn 2080, w1 2112, w2 2880, w3 3648, rms_final 4416, freq_cis 4432 and 4448, wcls 4464.
        assertStored(bytes, 0, model.tensor(Role.TOKEN_EMBEDDING));
        assertStored(bytes, 512 + 16, model.tensor(Role.ATTENTION_NORM, 1));
        assertStored(bytes, 544 + 256, model.tensor(Role.WQ, 1));
        assertStored(bytes, 1056 + 128, model.tensor(Role.WK, 1));
        assertStored(bytes, 1312, model.tensor(Role.WV, 0));
        assertStored(bytes, 1568 + 256, model.tensor(Role.WO, 1));
        assertStored(bytes, 2080, model.tensor(Role.MLP_NORM, 0));
        assertStored(bytes, 2112 + 384, model.tensor(Role.W_GATE, 1));
        assertStored(bytes, 2880, model.tensor(Role.W_DOWN, 0));
        assertStored(bytes, 3648 + 384, model.tensor(Role.W_UP, 1));
        assertStored(bytes, 4416, model.tensor(Role.FINAL_NORM));
        assertStored(bytes, 4464, model.tensor(Role.OUTPUT));
        // freq_cis_real[pos 1][pair 1] = cos(1 * 10000^(-2/4)) and freq_cis_imag[pos 3][pair 0] = sin(3).
        assertEquals((float) Math.cos(0.01), bytes.getFloat(28 + 4 * (4432 + 3)), 1e-7);
        assertEquals((float) Math.sin(3), bytes.getFloat(28 + 4 * (4448 + 6)), 1e-7);
    }

    private static void assertStored(ByteBuffer bytes, int floatOffset, Tensor expected) {
        for (int i = 0; i < expected.size(); i++) {
            assertEquals((float) expected.get(i), bytes.getFloat(28 + 4 * (floatOffset + i)), "element " + i);
        }
    }

    @Test
    void truncatedFileNamesOffsetTensorAndMissingBytes() throws IOException {
        Path file = writeTiny(false);
        long cut = 28 + 4L * (1056 + 128) + 10; // ten bytes into layers.1.wk (128 floats)
        truncate(file, cut);
        long end = 28 + 4L * (1056 + 256);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().startsWith(file + ": truncated at offset " + cut + " while reading layers.1.wk: need "
                + (end - cut) + " more bytes"), e.getMessage());
        assertEquals(file, e.file());
    }

    @Test
    void truncatedClassifierAndHeaderAreNamed() throws IOException {
        Path file = writeTiny(false);
        truncate(file, Files.size(file) - 4);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("while reading wcls: need 4 more bytes"), e.getMessage());

        truncate(file, 10);
        e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("truncated at offset 10 while reading the header: need 18 more bytes"),
                e.getMessage());
    }

    /** Issue 8 fault 5: n_layers 2^31 - 1 used to list billions of spans (OutOfMemoryError) before any size check. */
    @Test
    void headerSizesBeyondTheFileFailBeforeAnythingIsListed() throws IOException {
        Path file = writeTiny(false);
        setHeaderField(file, 2, Integer.MAX_VALUE);
        long started = System.nanoTime();
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(System.nanoTime() - started < 5_000_000_000L, "refused at once");
        assertTrue(e.getMessage().contains("n_layers 2147483647")
                && e.getMessage().contains("implies a file of") && e.getMessage().contains("while reading layers."),
                e.getMessage());
    }

    @Test
    void headerSizesOverflowingSixtyFourBitsAreNamed() throws IOException {
        Path file = writeTiny(false);
        setHeaderField(file, 0, 1 << 30); // dim
        setHeaderField(file, 3, 1); // n_heads: head size 2^30
        setHeaderField(file, 4, 1);
        setHeaderField(file, 1, 1 << 30); // hidden_dim: w1 alone is 5 layers x 2^62 bytes
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("more than 2^63 bytes") && e.getMessage().contains("dim 1073741824"),
                e.getMessage());
        setHeaderField(file, 5, -Integer.MAX_VALUE); // vocab 2^31 - 1: more rows than an index map can hold
        e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("vocabulary 2147483647 exceeds the largest axis, 2147483639"),
                e.getMessage());
    }

    private static void setHeaderField(Path file, int index, int value) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).flip();
            channel.write(b, 4L * index);
        }
    }

    @Test
    void trailingBytesAreReported() throws IOException {
        Path file = writeTiny(true);
        long size = Files.size(file);
        Files.write(file, new byte[12], StandardOpenOption.APPEND);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains("12 unexpected bytes after the last tensor at offset " + size),
                e.getMessage());
    }

    @Test
    void nonsenseHeadersNameTheField() throws IOException {
        assertBadHeader(3, 5, "n_heads 5 does not divide dim 16");
        assertBadHeader(4, 3, "n_kv_heads 3 does not divide n_heads 4");
        assertBadHeader(2, 0, "n_layers 0 is not positive");
        assertBadHeader(0, -16, "dim -16 is not positive");
        assertBadHeader(5, 0, "vocab_size 0");
        assertBadHeader(6, -1, "seq_len -1 is not positive");
        assertBadHeader(3, 16, "head size dim/n_heads = 1 is odd");
        assertBadHeader(0, 0x616b3432, "version 1+ export");
    }

    private void assertBadHeader(int field, int value, String expected) throws IOException {
        Path file = writeTiny(true);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * field, value);
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> format.read(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    @Test
    void writeProblemsNameEveryReason() {
        assertEquals(List.of(), format.writeProblems(Fixtures.llama(true, RopeLayout.HALF_SPLIT)));

        TransformerConfig grown = Fixtures.llama(true, RopeLayout.INTERLEAVED).withHidden(32, 5e-6);
        List<String> problems = format.writeProblems(grown);
        assertTrue(problems.contains("llama2.c fixes the norm epsilon at 1e-5; this model needs 5.0E-6 (hidden growth"
                + " rescales it, DESIGN 2.1): write a directory instead"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("derives head size as dim / n_heads = 32 / 4 = 8, but"
                + " this model's head size is 4 (Q has 16 rows, K 8, where llama2.c would read 32 and 16)")),
                problems.toString());
        assertEquals(2, problems.size(), problems.toString());

        TransformerConfig wide = Fixtures.llama(true, RopeLayout.INTERLEAVED)
                .withAttention(new AttentionConfig(3, 1, 6, 6, true))
                .withMlp(new MlpConfig(24, Activation.GELU, true));
        problems = format.writeProblems(wide);
        assertTrue(problems.stream().anyMatch(p -> p.contains("16 / 3, not an integer")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("no attention biases")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("no MLP biases")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("SwiGLU; this model uses GELU")), problems.toString());

        problems = format.writeProblems(Fixtures.genericLearned(true));
        assertTrue(problems.stream().anyMatch(p -> p.contains("Llama models only")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("learned positions")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("value size 5")), problems.toString());

        problems = format.writeProblems(Fixtures.genericRope(RopeLayout.INTERLEAVED));
        assertTrue(problems.stream().anyMatch(p -> p.contains("RoPE base at 10000; this model uses 500000")),
                problems.toString());
        assertTrue(format.writeProblems(Fixtures.llama(true, RopeLayout.INTERLEAVED).withLayers(0)).stream()
                .anyMatch(p -> p.contains("at least one layer")));
    }

    @Test
    void refusedWriteLeavesNothingOnDisk() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED).withHidden(16, 2e-5),
                DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> format.write(model, dir.resolve("out.bin")));
        assertTrue(e.getMessage().contains("norm epsilon"), e.getMessage());
        assertEquals(List.of(), Fixtures.listing(dir));
    }

    @Test
    void failedWriteLeavesNoTargetAndNoTemporary() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(false, RopeLayout.INTERLEAVED), DType.F32, 1);
        Model broken = Fixtures.withReleasedTensor(model, Role.FINAL_NORM);
        assertThrows(IllegalStateException.class, () -> format.write(broken, dir.resolve("out.bin")));
        assertEquals(List.of(), Fixtures.listing(dir));
    }

    @Test
    void failedWriteKeepsTheExistingFileAndSuccessfulWriteReplacesIt() throws IOException {
        Path file = writeTiny(true);
        byte[] before = Files.readAllBytes(file);
        Model other = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.F32, 99);
        assertThrows(IllegalStateException.class,
                () -> format.write(Fixtures.withReleasedTensor(other, Role.FINAL_NORM), file));
        assertTrue(Arrays.equals(before, Files.readAllBytes(file)), "old file untouched");
        format.write(other, file);
        assertSameModel(other, format.read(file));
        assertEquals(List.of(file), Fixtures.listing(dir));
    }

    private Path writeTiny(boolean tied) throws IOException {
        Path file = dir.resolve("tiny.bin");
        format.write(RandomModels.create(Fixtures.llama(tied, RopeLayout.INTERLEAVED), DType.F32, 1), file);
        return file;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }
}
