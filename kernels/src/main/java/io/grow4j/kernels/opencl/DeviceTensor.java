package io.grow4j.kernels.opencl;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A tensor living in device memory: same shape, dtype and byte layout as {@link Tensor} (row-major, little-endian),
 * so uploads and downloads are plain byte copies. Made by {@link OpenClPadKernel#upload}, {@link OpenClPadKernel#pad}
 * and {@link OpenClPadKernel#allocate}; {@link #close()} frees the device memory.
 */
public final class DeviceTensor implements AutoCloseable {
    /** Transfers go in pieces, so tensors over 2 GB and heap-backed tensors work the same way. */
    private static final long CHUNK = 1L << 28;

    private final ClDevice device;
    private final DType dtype;
    private final long[] shape;
    private cl_mem buffer;

    DeviceTensor(ClDevice device, DType dtype, long[] shape, String what) {
        this.device = device;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.buffer = device.allocate(byteSize(), what + " " + dtype + java.util.Arrays.toString(shape));
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long size() {
        return Tensor.elementCount(shape);
    }

    public long byteSize() {
        return size() * dtype.bytes();
    }

    public ClDevice device() {
        return device;
    }

    cl_mem buffer() {
        if (buffer == null) {
            throw new IllegalStateException("device tensor " + this + " was closed");
        }
        return buffer;
    }

    /** Copies a host tensor of the same dtype and shape into this one. */
    void write(Tensor host) {
        check(host);
        transfer(host.data(), true);
    }

    /** Copies this tensor into a host tensor of the same dtype and shape. */
    public void downloadInto(Tensor host) {
        check(host);
        transfer(host.data(), false);
    }

    /** A copy in fresh device memory, made by the device (clEnqueueCopyBuffer): no host round trip. */
    public DeviceTensor duplicate() {
        DeviceTensor copy = new DeviceTensor(device, dtype, shape, "copy of");
        if (byteSize() > 0) {
            CL.clEnqueueCopyBuffer(device.queue(), buffer(), copy.buffer(), 0, 0, byteSize(), 0, null, null);
            device.finish("copy of " + this);
        }
        return copy;
    }

    /** A fresh host copy. */
    public Tensor download() {
        Tensor host = Tensor.allocate(dtype, shape);
        downloadInto(host);
        return host;
    }

    private void check(Tensor host) {
        if (host.dtype() != dtype || !host.hasShape(shape)) {
            throw new IllegalArgumentException("host tensor " + host + " does not match device tensor " + this);
        }
    }

    private void transfer(MemorySegment host, boolean toDevice) {
        long total = host.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = host.isNative() ? null : arena.allocate(Math.min(total, CHUNK), 8);
            for (long at = 0; at < total; at += CHUNK) {
                long n = Math.min(CHUNK, total - at);
                MemorySegment piece = host.asSlice(at, n);
                MemorySegment nativePiece = staging == null ? piece : staging.asSlice(0, n);
                if (toDevice) {
                    if (staging != null) {
                        nativePiece.copyFrom(piece);
                    }
                    device.write(buffer(), at, n, Pointer.to(nativePiece.asByteBuffer()));
                } else {
                    device.read(buffer(), at, n, Pointer.to(nativePiece.asByteBuffer()));
                    if (staging != null) {
                        piece.copyFrom(nativePiece);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        if (buffer != null) {
            CL.clReleaseMemObject(buffer);
            buffer = null;
        }
    }

    @Override
    public String toString() {
        return dtype + java.util.Arrays.toString(shape) + " on " + device.info().name();
    }
}
