package io.grow4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Both allocation paths give writable zeros of exactly the size asked; mappings are unmapped once unreachable. */
class FreshMemoryTest {
    private static final long MIB = 1L << 20;

    /** Sizes around a page, the mapping threshold and the 2 MiB huge-page boundary, none a multiple where it matters. */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {0, 1, 7, 4095, 4096, 4097, MIB - 1, MIB, 2 * MIB - 4096, 2 * MIB + 3, 5 * MIB + 4097})
    void bothPathsGiveZerosOfTheSizeAsked(long bytes) {
        assertZeroedAndWritable(FreshMemory.allocated(bytes), bytes);
        assertZeroedAndWritable(FreshMemory.zeroed(bytes), bytes);
        if (FreshMemory.mappingAvailable()) {
            assertZeroedAndWritable(FreshMemory.mapped(bytes), bytes);
        }
    }

    /** The pad kernel and the tensor accessors need 8-byte alignment at least; huge pages need 2 MiB. */
    @Test
    void largeMappingsStartOnAHugePageBoundary() {
        assumeTrue(FreshMemory.mappingAvailable(), "anonymous mappings need Linux on x86-64 or AArch64");
        for (long bytes : new long[] {2 * MIB, 3 * MIB + 5, 17 * MIB}) {
            assertEquals(0, FreshMemory.mapped(bytes).address() % FreshMemory.HUGE_PAGE, bytes + " bytes");
        }
        assertEquals(0, FreshMemory.mapped(4097).address() % FreshMemory.PAGE);
    }

    /** Large tensors come from the mapping path where it exists: what growth's speed rests on. */
    @Test
    void tensorsOfAMebibyteOrMoreAreMapped() throws IOException {
        assumeTrue(FreshMemory.mappingAvailable(), "anonymous mappings need Linux on x86-64 or AArch64");
        Tensor t = Tensor.allocate(DType.BF16, 1024, 1025);
        assertTrue(mappedRangeCovers(t.data().address(), t.byteSize()));
        assertEquals(1024 * 1025 * 2, t.byteSize());
    }

    /**
     * A mapping is unmapped when its segment becomes unreachable: after collection, the range is no longer covered by
     * the process's mappings (each of 16 mappings of 8 MiB + 1 byte, so a new mapping landing exactly over all of
     * one in between is not what this sees).
     */
    @Test
    void unreachableMappingsAreUnmapped() throws Exception {
        assumeTrue(FreshMemory.mappingAvailable(), "anonymous mappings need Linux on x86-64 or AArch64");
        long bytes = 8 * MIB + 1;
        List<long[]> ranges = new ArrayList<>();
        List<WeakReference<MemorySegment>> refs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            MemorySegment s = FreshMemory.mapped(bytes);
            s.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 1);
            ranges.add(new long[] {s.address(), bytes});
            refs.add(new WeakReference<>(s));
        }
        for (long[] r : ranges) {
            assertTrue(mappedRangeCovers(r[0], r[1]), "mapped while reachable");
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (ranges.stream().anyMatch(r -> coveredQuietly(r[0], r[1])) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(refs.stream().allMatch(r -> r.get() == null), "segments collected");
        for (long[] r : ranges) {
            assertFalse(mappedRangeCovers(r[0], r[1]), "range at 0x" + Long.toHexString(r[0]) + " still mapped");
        }
    }

    /**
     * Dropped tensors are freed when the mapped bytes near the cap, as the JDK's arenas do near theirs: forty
     * unreachable 8 MiB mappings under a 64 MiB cap all succeed, and the count never passes it.
     */
    @Test
    void droppedMappingsAreCollectedNearTheCap() {
        assumeTrue(FreshMemory.mappingAvailable(), "anonymous mappings need Linux on x86-64 or AArch64");
        long cap = FreshMemory.mappedBytes() + 64 * MIB;
        for (int i = 0; i < 40; i++) {
            MemorySegment s = FreshMemory.mapped(8 * MIB, cap);
            s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            assertTrue(FreshMemory.mappedBytes() <= cap, FreshMemory.mappedBytes() + " bytes mapped");
        }
    }

    /**
     * Live tensors past the cap fail as an arena's would, saying how much and how to raise it; up to the cap they
     * succeed (earlier tests' unreachable mappings are collected to make room, so the count of live ones that fit
     * is at least the headroom, and the failure must come before live ones alone pass the cap).
     */
    @Test
    void liveMappingsPastTheCapFailNamingTheSizes() {
        assumeTrue(FreshMemory.mappingAvailable(), "anonymous mappings need Linux on x86-64 or AArch64");
        long cap = FreshMemory.mappedBytes() + 64 * MIB;
        List<MemorySegment> live = new ArrayList<>();
        OutOfMemoryError failure = null;
        while (failure == null && live.size() <= cap / (8 * MIB)) {
            try {
                live.add(FreshMemory.mapped(8 * MIB, cap));
            } catch (OutOfMemoryError e) {
                failure = e;
            }
        }
        assertTrue(failure != null, live.size() + " live mappings of 8 MiB under a cap of " + cap + " bytes");
        assertTrue(live.size() >= 8, live.size() + " live mappings fitted in 64 MiB of headroom");
        assertTrue(failure.getMessage().startsWith("cannot map 8388608 bytes for a tensor: "), failure.getMessage());
        assertTrue(failure.getMessage().endsWith(MemoryBudget.HOW_TO_RAISE), failure.getMessage());
        java.lang.ref.Reference.reachabilityFence(live);
    }

    private static void assertZeroedAndWritable(MemorySegment s, long bytes) {
        assertEquals(bytes, s.byteSize());
        assertEquals(-1, s.mismatch(MemorySegment.ofArray(new byte[(int) bytes])), "all zero");
        if (bytes > 0) {
            assertEquals(0, s.address() % 8, "8-byte aligned");
            s.fill((byte) 0x5a);
            assertEquals((byte) 0x5a, s.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertEquals((byte) 0x5a, s.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    private static boolean coveredQuietly(long start, long length) {
        try {
            return mappedRangeCovers(start, length);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether /proc/self/maps' ranges cover [start, start + length) without a gap. */
    private static boolean mappedRangeCovers(long start, long length) throws IOException {
        long at = start;
        long end = start + length;
        List<long[]> maps = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            maps.add(new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)});
        }
        maps.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
        for (long[] m : maps) {
            if (m[0] <= at && at < m[1]) {
                at = m[1];
            }
        }
        return at >= end;
    }
}
