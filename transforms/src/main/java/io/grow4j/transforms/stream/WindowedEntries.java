package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.Moments;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * A source tensor's entries read through one small reused window, for the statistics pass of a fill
 * ({@link io.grow4j.transforms.Moments#sampled}), which asks for entries in increasing index order: each window is
 * read with one positional read into memory touched once per thread. Mapping the tensor instead cost a page fault
 * per 4 KiB on first touch (the strided samples touch every page): 9-11 ms against 5 ms in memory for the moments of
 * a 5.8 MB bf16 tensor on this virtual machine, and those passes were the largest consumer of CPU in streamed
 * growth. Memory stays one window per statistics thread, whatever the tensor's size.
 */
final class WindowedEntries implements Moments.Bulk {
    private final SourceTensors.Stored stored;
    private final DType dtype;
    private final MemorySegment window;
    private final String name;
    private Tensor loaded;
    private long first;
    /** Entries in the window ({@link Tensor#size} multiplies out the shape at every call). */
    private long count;

    /**
     * @param window memory for one window (at least one entry), reused; its contents are overwritten
     * @param name   the tensor, for errors
     */
    WindowedEntries(SourceTensors.Stored stored, DType dtype, MemorySegment window, String name) {
        if (window.byteSize() < dtype.bytes()) {
            throw new IllegalArgumentException("window of " + window.byteSize() + " bytes holds no " + dtype + " entry");
        }
        this.stored = stored;
        this.dtype = dtype;
        this.window = window;
        this.name = name;
    }

    /** Entry {@code index} as {@link Tensor#get} reads it; a read error is thrown as {@link UncheckedIOException}. */
    @Override
    public double applyAsDouble(long index) {
        if (loaded == null || index < first || index >= first + count) {
            try {
                load(index);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return loaded.get(index - first);
    }

    /** Entries from {@code first} on, {@code stride} apart, window after window; see {@link Moments.Bulk#read}. */
    @Override
    public int read(long first, long stride, long end, double[] into) {
        int k = 0;
        long i = first;
        while (k < into.length && i < end) {
            applyAsDouble(i); // loads the window holding entry i
            Tensor t = loaded;
            long base = this.first;
            long stop = Math.min(end, base + count);
            for (; k < into.length && i < stop; i += stride) {
                into[k++] = t.get(i - base);
            }
        }
        return k;
    }

    /** Reads the window that starts at entry {@code index}. */
    private void load(long index) throws IOException {
        long entries = stored.bytes() / dtype.bytes();
        if (index < 0 || index >= entries) {
            throw new IndexOutOfBoundsException(name + ": entry " + index + " of " + entries);
        }
        long start = index * dtype.bytes();
        long wanted = Math.min(window.byteSize() / dtype.bytes(), entries - index) * dtype.bytes();
        MemorySegment into = window.asSlice(0, wanted);
        for (long done = 0; done < wanted; ) {
            int n = stored.channel().read(into.asSlice(done).asByteBuffer(), stored.offset() + start + done);
            if (n < 0) {
                throw new EOFException(name + ": the source ends at byte " + (stored.offset() + start + done)
                        + ", inside the tensor's " + stored.bytes() + " bytes from offset " + stored.offset());
            }
            done += n;
        }
        count = wanted / dtype.bytes();
        loaded = new Tensor(dtype, new long[] {count}, into);
        first = index;
    }
}
