package io.grow4j.transforms.stream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A shared arena opened on its first allocation (or mapping) and closed only if it was opened. Closing a shared
 * arena makes the JVM stop every thread at a handshake to be sure none still reads its memory; streamed growth opened
 * and closed one per output tensor, and a profile of a 168 M model (93 output tensors, load ~9) spent 0.2-0.5 s of a
 * 0.7-1.1 s run in those closes, although a safetensors source never maps into the arena (it reads into reused
 * buffers). Not thread-safe to open: the building thread owns it; the memory it hands out may be read by any thread.
 */
final class LazySharedArena implements Arena {
    private Arena arena;
    private boolean closed;

    /** Whether the underlying shared arena exists (something was allocated or mapped in it). */
    boolean opened() {
        return arena != null;
    }

    private Arena arena() {
        if (closed) {
            throw new IllegalStateException("arena already closed");
        }
        if (arena == null) {
            arena = Arena.ofShared();
        }
        return arena;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return arena().allocate(byteSize, byteAlignment);
    }

    /** The shared arena's scope, which {@code FileChannel.map} binds a mapping to: opens it. */
    @Override
    public MemorySegment.Scope scope() {
        return arena().scope();
    }

    @Override
    public void close() {
        if (closed) {
            throw new IllegalStateException("arena already closed");
        }
        closed = true;
        if (arena != null) {
            arena.close();
        }
    }
}
