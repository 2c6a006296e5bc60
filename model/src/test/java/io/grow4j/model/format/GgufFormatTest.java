package io.grow4j.model.format;

import static io.grow4j.model.format.Fixtures.assertSameModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GgufFormatTest {
    private final GgufFormat format = new GgufFormat();

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"true, F32", "false, F32", "true, F16", "false, F16", "true, BF16", "false, BF16", "false, F64"})
    void roundTripIsBitExact(boolean tied, DType dtype) throws IOException {
        Model model = RandomModels.create(Fixtures.llama(tied, RopeLayout.INTERLEAVED), dtype, 42);
        Path file = dir.resolve("model.gguf");
        format.write(model, file);
        Model read = format.read(file);
        assertSameModel(model, read);
        assertEquals(List.of(), format.readNotes(read));
        assertEquals(List.of(file), Fixtures.listing(dir), "no temporary file left behind");
    }

    @Test
    void halfSplitModelIsStoredInterleavedByPermutingRows() throws IOException {
        Model half = RandomModels.create(Fixtures.llama(false, RopeLayout.HALF_SPLIT), DType.BF16, 5);
        Path file = dir.resolve("half.gguf");
        format.write(half, file);
        Model read = format.read(file);
        assertEquals(new Positions.Rope(10000, RopeLayout.INTERLEAVED), read.config().positions());
        assertSameModel(half, RopePermutation.toLayout(read, RopeLayout.HALF_SPLIT));
    }

    /** A file written by {@link GgufBytes} from the spec, not by GgufWriter, reads as the model it was made from. */
    @ParameterizedTest
    @CsvSource({"F32, 0", "F16, 1", "BF16, 30"})
    void readsAFileBuiltByHand(DType dtype, int ggmlType) throws IOException {
        TransformerConfig config = Fixtures.llama(false, RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config, dtype, 8);
        Path file = new GgufBytes().llamaConfig(config).llamaTensors(model, ggmlType).write(dir.resolve("hand.gguf"));
        assertSameModel(model, format.read(file));
    }

    /**
     * Long offsets: the last tensor's data sits 3 GiB into a sparse file, past what an int or a ByteBuffer addresses.
     * The file is mapped, not read, so the hole costs neither memory nor disk.
     */
    @Test
    void tensorDataBeyondTwoGigabytesIsRead() throws IOException {
        TransformerConfig config = Fixtures.llama(true, RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config, DType.F32, 10);
        long far = 3L << 30;
        GgufBytes bytes = new GgufBytes().llamaConfig(config).llamaTensors(model).lastOffset(far);
        byte[] header = bytes.build();
        // The last tensor in the table is the last block's ffn_down; its bytes move 3 GiB out and the place where
        // they would naturally sit (the end of what GgufBytes built) is zeroed, so only the far copy holds them.
        byte[] last = GgufBytes.f32Bytes(model.tensor(Role.W_DOWN, config.layers() - 1));
        Arrays.fill(header, header.length - last.length, header.length, (byte) 0);
        long dataStart = header.length - alignedDataBytes(model);
        Path file = dir.resolve("sparse.gguf");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(header));
            channel.write(ByteBuffer.wrap(last), dataStart + far);
        }
        assertSameModel(model, format.read(file));
    }

    /** Offsets counted by hand: header, then general.architecture first, dims innermost first, aligned data. */
    @Test
    void fileLayoutFollowsTheSpec() throws IOException {
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.F16, 9);
        Path file = dir.resolve("model.gguf");
        format.write(model, file);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("GGUF", new String(Arrays.copyOf(b.array(), 4), StandardCharsets.US_ASCII));
        assertEquals(3, b.getInt(4));
        assertEquals(Model.expectedKeys(model.config()).size(), b.getLong(8));
        assertEquals(20, b.getLong(24), "first key is general.architecture");
        assertEquals("general.architecture", new String(b.array(), 32, 20, StandardCharsets.UTF_8));
        assertEquals(8, b.getInt(52), "a string value");
        assertEquals(5, b.getLong(56));
        assertEquals("llama", new String(b.array(), 64, 5, StandardCharsets.UTF_8));
        // token_embd.weight [vocab 32, hidden 16] is stored with dims [16, 32], F16 (ggml type 1), at data offset 0.
        int info = indexOf(b.array(), "token_embd.weight".getBytes(StandardCharsets.UTF_8)) + 17;
        assertEquals(2, b.getInt(info));
        assertEquals(16, b.getLong(info + 4));
        assertEquals(32, b.getLong(info + 12));
        assertEquals(1, b.getInt(info + 20));
        assertEquals(0, b.getLong(info + 24));
        int dataStart = (int) Files.size(file) - alignedDataBytes(model);
        assertEquals(0, dataStart % 32);
        assertEquals(model.tensor(Role.TOKEN_EMBEDDING).get(1), Float.float16ToFloat(b.getShort(dataStart + 2)));
    }

    private static int alignedDataBytes(Model model) {
        return model.tensors().values().stream().mapToInt(t -> (int) ((t.byteSize() + 31) / 32 * 32)).sum();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void epsilonThatFloat32CannotHoldIsKeptExactBesideIt() throws IOException {
        // What hidden growth 16 -> 24 does to eps 1e-5: 1e-5 * 16 / 24 is no float32's shortest decimal.
        double grownEps = 1e-5 * 16 / 24;
        Model model = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED).withHidden(16, grownEps),
                DType.F32, 3);
        Path file = dir.resolve("grown.gguf");
        format.write(model, file);
        Model read = format.read(file);
        assertEquals(grownEps, read.config().normEps());
        GgufMetadata metadata = GgufMetadata.of(read).orElseThrow();
        assertEquals(new GgufValue.Float32((float) grownEps),
                metadata.get("llama.attention.layer_norm_rms_epsilon").orElseThrow());
        assertEquals(new GgufValue.Float64(grownEps),
                metadata.get("grow4j.llama.attention.layer_norm_rms_epsilon").orElseThrow());
        assertTrue(metadata.get("grow4j.llama.rope.freq_base").isEmpty(), "10000 needs no exact copy");
    }

    @Test
    void float32EpsilonReadsAsTheDecimalItCameFrom() throws IOException {
        TransformerConfig config = Fixtures.llama(true, RopeLayout.INTERLEAVED);
        Model model = RandomModels.create(config, DType.F32, 4);
        Path file = new GgufBytes().llamaConfig(config).llamaTensors(model).write(dir.resolve("eps.gguf"));
        assertEquals(1e-5, format.read(file).config().normEps());
    }

    @Test
    void writeProblemsNameEveryReason() {
        assertEquals(List.of(), format.writeProblems(Fixtures.llama(true, RopeLayout.HALF_SPLIT)));
        assertEquals(List.of(), format.writeProblems(Fixtures.llama(true, RopeLayout.INTERLEAVED).withHidden(32, 5e-6)));

        List<String> problems = format.writeProblems(Fixtures.genericLearned(true));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("GGUF is written for architecture llama, qwen2, qwen3, olmo2, gemma2, gemma3 only; this model is generic"
                + " (the paper's decoder, with separate key and value sizes): write a directory instead"),
                problems.toString());

        TransformerConfig odd = Fixtures.llama(true, RopeLayout.INTERLEAVED)
                .withAttention(new AttentionConfig(4, 2, 4, 4, true))
                .withMlp(new MlpConfig(24, Activation.GELU, true));
        problems = format.writeProblems(odd);
        assertTrue(problems.contains("GGUF llama has no attention biases; this model has them on Q, K and V and on the"
                + " output projection: write a directory instead"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("without MLP biases")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("SwiGLU; this model uses GELU")), problems.toString());
        assertEquals(3, problems.size(), problems.toString());
    }

    @Test
    void refusedWriteLeavesNothingOnDisk() throws IOException {
        Model model = RandomModels.create(Fixtures.genericRope(RopeLayout.INTERLEAVED), DType.F32, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> format.write(model, dir.resolve("out.gguf")));
        assertTrue(e.getMessage().startsWith("cannot write " + dir.resolve("out.gguf") + " as gguf:"), e.getMessage());
        assertEquals(List.of(), Fixtures.listing(dir));
    }

    @Test
    void failedWriteKeepsTheExistingFileAndLeavesNoTemporary() throws IOException {
        Path file = dir.resolve("model.gguf");
        Model first = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.F32, 1);
        format.write(first, file);
        byte[] before = Files.readAllBytes(file);
        Model other = RandomModels.create(Fixtures.llama(true, RopeLayout.INTERLEAVED), DType.F32, 2);
        assertThrows(IllegalStateException.class,
                () -> format.write(Fixtures.withReleasedTensor(other, Role.FINAL_NORM), file));
        assertTrue(Arrays.equals(before, Files.readAllBytes(file)), "old file untouched");
        assertEquals(List.of(file), Fixtures.listing(dir));
        format.write(other, file);
        assertSameModel(other, format.read(file));
        assertFalse(Arrays.equals(before, Files.readAllBytes(file)));
    }
}
