package io.grow4j.transforms.stream;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Writes run in queue order on one thread, a buffer is handed out again only after the write reading it finished,
 * and a failed write reaches the growing thread.
 */
class WriteBehindTest {

    @Test
    void writesRunInQueueOrderAndBuffersAlternateOnlyWhenFree() throws IOException {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        try (Arena arena = Arena.ofShared(); WriteBehind writes = new WriteBehind(arena, 64)) {
            MemorySegment first = writes.buffer();
            first.fill((byte) 1);
            writes.queueFromBuffer(() -> {
                sleep();
                order.add((int) first.get(ValueLayout.JAVA_BYTE, 0));
            });
            MemorySegment second = writes.buffer();
            assertNotEquals(first.address(), second.address(), "the next tensor is built in the other buffer");
            second.fill((byte) 2);
            writes.queueFromBuffer(() -> order.add((int) second.get(ValueLayout.JAVA_BYTE, 0)));
            writes.queue(() -> order.add(3));
            MemorySegment again = writes.buffer(); // waits for the first write, which read 1 before it is reused
            again.fill((byte) 9);
            writes.drain();
            assertEquals(List.of(1, 2, 3), order);
        }
    }

    @Test
    void aFailedWriteIsThrownOnTheGrowingThread() throws IOException {
        try (Arena arena = Arena.ofShared(); WriteBehind writes = new WriteBehind(arena, 8)) {
            writes.queue(() -> {
                throw new IOException("disk full");
            });
            IOException e = assertThrows(IOException.class, writes::drain);
            assertEquals("disk full", e.getMessage());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
