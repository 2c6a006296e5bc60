package io.grow4j.model;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Zero-filled native memory for new tensors, freed when the garbage collector finds it unreachable.
 *
 * <p>Why not just {@code Arena.ofAuto().allocate}: that mallocs, then memsets every byte, so a fresh tensor's pages
 * are faulted in and zeroed by the kernel, zeroed again by Java, then written a third time by whoever fills the
 * tensor (BENCHMARKS.md, "In-memory growth, session 5": 83 % of in-memory growth's samples were that memset). On
 * Linux a large block is instead an anonymous private mapping ({@code mmap(MAP_PRIVATE | MAP_ANONYMOUS)}, whose pages
 * the kernel guarantees read as zero), aligned to 2 MiB and advised {@code MADV_HUGEPAGE} so a first touch faults
 * in one 2 MiB page instead of 512 small ones (the kernel honours it when its THP mode is "madvise" or "always";
 * {@code GROW4J_HUGE_PAGES=0} leaves the advice out). A tensor nobody writes (a new layer's zero output projection)
 * then costs no memory traffic at all until it is read. The mapping is unmapped by the cleanup of the segment's
 * automatic arena. Small blocks, and every block where mmap is not available (not Linux on x86-64 or AArch64, whose
 * flag values are used here), come from the automatic arena as before; both give the same zeros.
 *
 * <p>The JVM caps an automatic arena's memory at -XX:MaxDirectMemorySize (by default the heap limit) and, near the
 * cap, runs the collector so that unreachable tensors are freed ({@code java.nio.Bits.reserveMemory}); the heap
 * alone never sees native memory, so without that a loop that drops tensors would hold them all. Mappings keep the
 * same rule with their own count against {@link MemoryBudget#limit()}: near it the collector runs and the cleanups
 * are waited for, and past it the allocation fails as the arena's would, naming the sizes.
 */
public final class FreshMemory {
    /** Below this, malloc's arenas beat a system call and a page-rounded mapping per tensor. */
    static final long MAP_THRESHOLD = 1L << 20;
    static final long PAGE = 4096;
    static final long HUGE_PAGE = 2L << 20;

    // Linux's values on x86-64 and AArch64 (asm-generic/mman-common.h); other architectures differ, so they fall back
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private static final Native NATIVE = Native.load();
    private static final AtomicLong MAPPED = new AtomicLong();
    private static final boolean HUGE_PAGES = !"0".equals(System.getenv("GROW4J_HUGE_PAGES"));

    private FreshMemory() {
    }

    /**
     * {@code bytes} zero bytes, 8-byte aligned at least, owned by the garbage collector.
     *
     * @throws OutOfMemoryError the system gave no memory (named with the size)
     */
    public static MemorySegment zeroed(long bytes) {
        if (bytes >= MAP_THRESHOLD && mappingAvailable()) {
            return mapped(bytes);
        }
        return allocated(bytes);
    }

    /** Whether {@link #zeroed} maps large blocks (Linux on x86-64 or AArch64, with native access). */
    public static boolean mappingAvailable() {
        return NATIVE != null;
    }

    /** The portable path: malloc and memset through an automatic arena. */
    static MemorySegment allocated(long bytes) {
        return Arena.ofAuto().allocate(Math.max(bytes, 1), 8).asSlice(0, bytes);
    }

    /**
     * The Linux path for any size: an anonymous mapping, 2 MiB aligned from 2 MiB on, unmapped when the segment
     * becomes unreachable.
     *
     * @throws UnsupportedOperationException mapping is not available here
     */
    static MemorySegment mapped(long bytes) {
        return mapped(bytes, MemoryBudget.limit());
    }

    /** {@link #mapped(long)} under a cap of {@code limit} mapped bytes in all. */
    static MemorySegment mapped(long bytes, long limit) {
        if (NATIVE == null) {
            throw new UnsupportedOperationException("anonymous mappings need Linux on x86-64 or AArch64; this is "
                    + System.getProperty("os.name") + " on " + System.getProperty("os.arch"));
        }
        long length = roundUp(Math.max(bytes, 1), PAGE);
        reserve(length, limit);
        boolean huge = length >= HUGE_PAGE;
        // room to slide the start to a 2 MiB boundary, where a huge page can back it; the slack is unmapped below
        long slack = huge ? HUGE_PAGE - PAGE : 0;
        long base;
        try {
            base = NATIVE.map(length + slack, bytes);
        } catch (RuntimeException | Error e) {
            MAPPED.addAndGet(-length);
            throw e;
        }
        long start = huge ? roundUp(base, HUGE_PAGE) : base;
        NATIVE.unmap(base, start - base);
        NATIVE.unmap(start + length, base + slack - start);
        if (huge && HUGE_PAGES) {
            NATIVE.adviseHuge(start, length);
        }
        // the cleanup runs on a JDK cleaner thread once the arena is unreachable, and must not hold the segment
        return MemorySegment.ofAddress(start).reinterpret(bytes, Arena.ofAuto(), unused -> {
            NATIVE.unmap(start, length);
            MAPPED.addAndGet(-length);
        });
    }

    /** Bytes mapped for tensors and not yet unmapped. */
    static long mappedBytes() {
        return MAPPED.get();
    }

    /**
     * Counts {@code length} more mapped bytes; near {@code limit}, runs the collector and waits (1 ms, doubling, about
     * a second in all) for the cleanups of unreachable tensors, as the JDK does for its arenas.
     *
     * @throws OutOfMemoryError the live tensors alone exceed the limit (with the sizes and how to raise it)
     */
    private static void reserve(long length, long limit) {
        if (tryReserve(length, limit)) {
            return;
        }
        for (long sleep = 1; sleep <= 512; sleep *= 2) {
            System.gc();
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (tryReserve(length, limit)) {
                return;
            }
        }
        throw new OutOfMemoryError("cannot map " + length + " bytes for a tensor: " + MAPPED.get() + " bytes of"
                + " tensors are mapped already and this JVM may use " + limit + "; " + MemoryBudget.HOW_TO_RAISE);
    }

    private static boolean tryReserve(long length, long limit) {
        while (true) {
            long now = MAPPED.get();
            if (now > limit - length) {
                return false;
            }
            if (MAPPED.compareAndSet(now, now + length)) {
                return true;
            }
        }
    }

    static long roundUp(long value, long multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /** libc's mmap, munmap and madvise, bound once. */
    private record Native(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {
        static Native load() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                ValueLayout.OfLong size = ValueLayout.JAVA_LONG;
                return new Native(
                        linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, size, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)),
                        linker.downcallHandle(libc.find("munmap").orElseThrow(),
                                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, size)),
                        linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, size, ValueLayout.JAVA_INT)));
            } catch (RuntimeException | LinkageError e) {
                // no native access granted, or no such symbols: the arena path serves
                return null;
            }
        }

        long map(long length, long requested) {
            long address;
            try {
                address = (long) mmap.invokeExact(0L, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap of " + length + " bytes failed to run", t);
            }
            if (address == -1L) { // MAP_FAILED
                throw new OutOfMemoryError("could not map " + requested + " bytes of fresh memory for a tensor");
            }
            return address;
        }

        void unmap(long address, long length) {
            if (length == 0) {
                return;
            }
            int rc;
            try {
                rc = (int) munmap.invokeExact(address, length);
            } catch (Throwable t) {
                throw new IllegalStateException("munmap of " + length + " bytes failed to run", t);
            }
            if (rc != 0) {
                throw new IllegalStateException("munmap of " + length + " bytes at 0x" + Long.toHexString(address)
                        + " failed");
            }
        }

        void adviseHuge(long address, long length) {
            try {
                int ignored = (int) madvise.invokeExact(address, length, MADV_HUGEPAGE);
                // a kernel without THP refuses the advice (EINVAL); small pages still serve, so nothing to report
            } catch (Throwable t) {
                throw new IllegalStateException("madvise of " + length + " bytes failed to run", t);
            }
        }
    }
}
