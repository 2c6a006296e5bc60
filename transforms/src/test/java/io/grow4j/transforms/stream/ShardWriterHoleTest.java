package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.format.SafetensorsEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zero tensors left as holes in a shard: the file reads exactly as if their zeros had been written, between written
 * tensors and at the very end (where nothing written after the hole would give the file its length), and a hole
 * still counts against its tensor's byte size like any write.
 */
class ShardWriterHoleTest {
    private static final SafetensorsEntry A = new SafetensorsEntry("a", DType.F32, new long[] {3});
    private static final SafetensorsEntry B = new SafetensorsEntry("b", DType.BF16, new long[] {4099});
    private static final SafetensorsEntry C = new SafetensorsEntry("c", DType.F32, new long[] {5});

    @Test
    void holesReadAsZerosInTheMiddleAndAtTheEnd(@TempDir Path dir) throws IOException {
        ShardPlan plan = ShardPlan.of(List.of(A, B, C, B), 1L << 20);
        ShardPlan.Shard shard = plan.shards().getFirst();
        try (Arena arena = Arena.ofConfined(); ShardWriter writer = ShardWriter.create(dir, shard)) {
            writer.write(filled(arena, A.byteSize(), 0x11));
            writer.hole(B.byteSize());
            writer.write(filled(arena, C.byteSize(), 0x22));
            writer.hole(B.byteSize());
        }
        byte[] file = Files.readAllBytes(dir.resolve(shard.fileName()));
        assertEquals(shard.fileBytes(), file.length);
        byte[] expected = new byte[file.length];
        int at = shard.prefix().length;
        System.arraycopy(shard.prefix(), 0, expected, 0, at);
        Arrays.fill(expected, at, at + (int) A.byteSize(), (byte) 0x11);
        at += (int) (A.byteSize() + B.byteSize());
        Arrays.fill(expected, at, at + (int) C.byteSize(), (byte) 0x22);
        assertArrayEquals(expected, file);
    }

    @Test
    void aHoleOfTheWrongSizeIsRefused(@TempDir Path dir) throws IOException {
        ShardPlan.Shard shard = ShardPlan.of(List.of(B), 1L << 20).shards().getFirst();
        ShardWriter writer = ShardWriter.create(dir, shard);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> writer.hole(B.byteSize() + 2));
        assertTrue(e.getMessage().contains("needs " + B.byteSize() + " bytes"), e.getMessage());
        assertThrows(IOException.class, writer::close, "a shard closed without its tensor is incomplete");
    }

    private static MemorySegment filled(Arena arena, long bytes, int value) {
        return arena.allocate(bytes).fill((byte) value);
    }
}
