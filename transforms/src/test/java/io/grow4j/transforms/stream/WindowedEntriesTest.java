package io.grow4j.transforms.stream;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.Moments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stored tensor's entries read through a window: every entry equals the tensor's own, in every dtype, at an odd
 * file offset, with windows smaller than the tensor and not a whole number of entries (a window ends inside the
 * tensor, and the last is short), read one by one or many at a time (strided, up to an end short of the tensor's),
 * and moments over it are the in-memory moments bit for bit, strided or not, alone or stepped with others.
 */
class WindowedEntriesTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void entriesAndMomentsEqualTheTensors(DType dtype, @TempDir Path dir) throws IOException {
        int entries = 3001;
        Tensor tensor = Tensor.allocate(dtype, entries);
        for (int i = 0; i < entries; i++) {
            tensor.set(i, Math.sin(0.37 * i) * (i % 7 == 0 ? 1e3 : 1.0));
        }
        Path file = write(dir, 13, tensor);
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            SourceTensors.Stored stored = new SourceTensors.Stored(channel, 13, tensor.byteSize());
            for (long windowBytes : new long[] {dtype.bytes(), 7L * dtype.bytes() + 1, 1000, 1L << 20}) {
                MemorySegment window = arena.allocate(windowBytes, 64);
                WindowedEntries read = new WindowedEntries(stored, dtype, window, "t");
                for (int i = 0; i < entries; i += 1 + i % 5) {
                    assertEquals(Double.doubleToRawLongBits(tensor.get(i)),
                            Double.doubleToRawLongBits(read.applyAsDouble(i)), "entry " + i + ", window " + windowBytes);
                }
                assertEquals(Moments.of(tensor), Moments.sampled(entries,
                        new WindowedEntries(stored, dtype, window, "t")), "window " + windowBytes);
                assertEquals(Moments.of(tensor), Moments.sampledTogether(new long[] {entries},
                        new WindowedEntries[] {new WindowedEntries(stored, dtype, window, "t")})[0]);
                for (long stride : new long[] {1, 3, 64}) {
                    double[] into = new double[250];
                    WindowedEntries bulk = new WindowedEntries(stored, dtype, window, "t");
                    for (long from = 5; from < entries; ) {
                        int n = bulk.read(from, stride, entries - 2, into);
                        for (int k = 0; k < n; k++) {
                            assertEquals(Double.doubleToRawLongBits(tensor.get(from + k * stride)),
                                    Double.doubleToRawLongBits(into[k]), "bulk entry " + (from + k * stride));
                        }
                        assertEquals(Math.min(into.length, (entries - 2 - from + stride - 1) / stride), n);
                        from += n * stride;
                        if (n < into.length) {
                            break;
                        }
                    }
                }
            }
        }
    }

    @Test
    void stridedMomentsOfATensorAboveTheSampleCount(@TempDir Path dir) throws IOException {
        Tensor tensor = Tensor.allocate(DType.BF16, (1 << 20) * 3 + 5);
        for (long i = 0; i < tensor.size(); i++) {
            tensor.set(i, (i * 2654435761L % 1000) / 1000.0 - 0.5);
        }
        Path file = write(dir, 8, tensor);
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            WindowedEntries read = new WindowedEntries(new SourceTensors.Stored(channel, 8, tensor.byteSize()),
                    DType.BF16, arena.allocate(1L << 16, 64), "t");
            assertEquals(Moments.of(tensor), Moments.sampled(tensor.size(), read));
        }
    }

    @Test
    void aTruncatedSourceNamesTheTensorAndOffset(@TempDir Path dir) throws IOException {
        Tensor tensor = Tensor.allocate(DType.F32, 100);
        Path file = write(dir, 4, tensor);
        try (Arena arena = Arena.ofConfined();
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            WindowedEntries read = new WindowedEntries(new SourceTensors.Stored(channel, 4, 800), DType.F32,
                    arena.allocate(4096), "layers.0.wq");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> read.applyAsDouble(0));
            assertInstanceOf(EOFException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("layers.0.wq: the source ends at byte 404"),
                    e.getCause().getMessage());
        }
    }

    private static Path write(Path dir, int offset, Tensor tensor) throws IOException {
        byte[] bytes = new byte[offset + (int) tensor.byteSize()];
        MemorySegment.copy(tensor.data(), ValueLayout.JAVA_BYTE, 0, bytes, offset, (int) tensor.byteSize());
        return Files.write(dir.resolve("t.bin"), bytes);
    }
}
