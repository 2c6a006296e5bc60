package io.grow4j.model.format;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves tensors between a family's storage ({@link StoredTensor}) and grow4j's: stacked parts split or joined along
 * the first axis, Conv1D [in, out] weights transposed. Values move as raw bytes in their own dtype, so F16 and BF16
 * survive a read and a write bit for bit.
 */
final class HfStorage {
    private HfStorage() {
    }

    /**
     * The model tensors a stored tensor holds: row ranges of it in place (a fused tensor's parts are contiguous rows),
     * or of its transpose, the one transform that needs fresh memory, made once per stored tensor.
     */
    static Map<TensorKey, Tensor> split(StoredTensor stored, Tensor file) {
        Tensor rows = stored.spec().transposed() ? transpose(file) : file;
        Map<TensorKey, Tensor> out = new LinkedHashMap<>();
        if (stored.parts().size() == 1) {
            out.put(stored.parts().getFirst(), rows);
            return out;
        }
        if (stored.heads() > 1) {
            return splitHeads(stored, rows);
        }
        long rowBytes = rows.byteSize() / rows.dim(0);
        long row = 0;
        for (int i = 0; i < stored.parts().size(); i++) {
            TensorKey key = stored.parts().get(i);
            long[] shape = rows.shape();
            shape[0] = stored.partRows().get(i);
            Tensor part = new Tensor(rows.dtype(), shape,
                    rows.data().asSlice(row * rowBytes, Tensor.elementCount(shape) * rows.dtype().bytes()));
            out.put(key, part);
            row += shape[0];
        }
        return out;
    }

    /**
     * The stored form of a model's tensors. Parts of one stored tensor in different dtypes are joined in the dtype
     * that holds them all ({@link HfDirectoryFormat#torchDtype}), so nothing is rounded.
     */
    static Tensor join(StoredTensor stored, Model model) {
        if (stored.expert() >= 0) {
            return model.tensor(stored.parts().getFirst()).slice(stored.expert());
        }
        List<Tensor> parts = new ArrayList<>();
        stored.parts().forEach(key -> parts.add(model.tensor(key)));
        if (stored.spec().plain()) {
            return parts.getFirst();
        }
        Tensor rows = stack(parts, stored.heads());
        return stored.spec().transposed() ? transpose(rows) : rows;
    }

    /**
     * Parts stacked along their first axis into fresh memory, whole ({@code heads} 1) or head by head, in the dtype
     * that holds them all ({@link HfDirectoryFormat#torchDtype}), so nothing is rounded.
     */
    static Tensor stack(List<Tensor> parts, int heads) {
        DType dtype = HfDirectoryFormat.torchDtype(parts.stream().map(Tensor::dtype).toList());
        long[] shape = parts.getFirst().shape();
        shape[0] = parts.stream().mapToLong(t -> t.dim(0)).sum();
        Tensor rows = Tensor.allocate(dtype, shape);
        List<Tensor> same = parts.stream().map(p -> p.dtype() == dtype ? p : p.convertTo(dtype)).toList();
        interleave(heads, same, rows, true);
        return rows;
    }

    /** Parts fused head by head: each part gathered from its block of rows in every head (fresh memory). */
    private static Map<TensorKey, Tensor> splitHeads(StoredTensor stored, Tensor rows) {
        Map<TensorKey, Tensor> out = new LinkedHashMap<>();
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < stored.parts().size(); i++) {
            long[] shape = rows.shape();
            shape[0] = stored.partRows().get(i);
            Tensor part = Tensor.allocate(rows.dtype(), shape);
            parts.add(part);
            out.put(stored.parts().get(i), part);
        }
        interleave(stored.heads(), parts, rows, false);
        return out;
    }

    /**
     * Copies between parts and their fused form, {@code heads} blocks each holding 1/heads of every part's rows in
     * part order (heads 1: the parts stacked whole). toFused copies parts into fused, else fused into parts.
     */
    static void interleave(int heads, List<Tensor> parts, Tensor fused, boolean toFused) {
        long offset = 0;
        for (int h = 0; h < heads; h++) {
            for (Tensor part : parts) {
                long block = part.byteSize() / heads;
                if (toFused) {
                    MemorySegment.copy(part.data(), h * block, fused.data(), offset, block);
                } else {
                    MemorySegment.copy(fused.data(), offset, part.data(), h * block, block);
                }
                offset += block;
            }
        }
    }

    /**
     * Stacks per-expert slices (in expert order) into one tensor with a leading expert axis, in the dtype of the
     * first slice (a checkpoint stores all experts of one weight in one dtype; another is converted).
     */
    static Tensor stackExperts(List<Tensor> slices) {
        Tensor first = slices.getFirst();
        long[] shape = new long[first.rank() + 1];
        shape[0] = slices.size();
        System.arraycopy(first.shape(), 0, shape, 1, first.rank());
        Tensor out = Tensor.allocate(first.dtype(), shape);
        for (int e = 0; e < slices.size(); e++) {
            Tensor slice = slices.get(e).dtype() == first.dtype() ? slices.get(e) : slices.get(e).convertTo(first.dtype());
            MemorySegment.copy(slice.data(), 0, out.data(), e * first.byteSize(), first.byteSize());
        }
        return out;
    }

    /** [r, c] → [c, r], element by element as raw bits. */
    static Tensor transpose(Tensor t) {
        long rows = t.dim(0);
        long cols = t.dim(1);
        Tensor out = Tensor.allocate(t.dtype(), cols, rows);
        MemorySegment src = t.data();
        MemorySegment dst = out.data();
        int size = t.dtype().bytes();
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                copyElement(src, (r * cols + c) * size, dst, (c * rows + r) * size, size);
            }
        }
        return out;
    }

    private static void copyElement(MemorySegment src, long from, MemorySegment dst, long to, int size) {
        switch (size) {
            case 2 -> dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, to, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
            case 4 -> dst.set(ValueLayout.JAVA_INT_UNALIGNED, to, src.get(ValueLayout.JAVA_INT_UNALIGNED, from));
            case 8 -> dst.set(ValueLayout.JAVA_LONG_UNALIGNED, to, src.get(ValueLayout.JAVA_LONG_UNALIGNED, from));
            default -> MemorySegment.copy(src, from, dst, to, size);
        }
    }
}
