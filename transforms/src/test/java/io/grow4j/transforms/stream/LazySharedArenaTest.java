package io.grow4j.transforms.stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-tensor arena of streamed growth: never opened (so never paying a shared close) when nothing maps into it,
 * and when something does, a real shared arena: a mapping readable from other threads until the close, not after.
 */
class LazySharedArenaTest {

    @Test
    void anUnusedArenaIsNeverOpened() {
        LazySharedArena arena = new LazySharedArena();
        arena.close();
        assertFalse(arena.opened());
        assertThrows(IllegalStateException.class, arena::close);
        assertThrows(IllegalStateException.class, () -> arena.allocate(8));
    }

    @Test
    void aMappingIsSharedUntilTheClose(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data");
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        LazySharedArena arena = new LazySharedArena();
        MemorySegment mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 3, 5, arena);
        }
        assertTrue(arena.opened());
        byte read = CompletableFuture.supplyAsync(() -> mapped.get(ValueLayout.JAVA_BYTE, 4)).get();
        assertEquals(8, read, "another thread reads the mapping at file offset 7");
        arena.close();
        assertFalse(mapped.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> mapped.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void allocationsLiveUntilTheClose() {
        LazySharedArena arena = new LazySharedArena();
        MemorySegment s = arena.allocate(16, 8);
        s.set(ValueLayout.JAVA_LONG, 8, 42L);
        assertEquals(42L, s.get(ValueLayout.JAVA_LONG, 8));
        arena.close();
        assertFalse(s.scope().isAlive());
    }
}
