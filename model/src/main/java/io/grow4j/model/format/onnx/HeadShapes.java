package io.grow4j.model.format.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The head sizes an attention block's Reshape targets fix: (…, heads, head size) where Q, K and V are split, (…,
 * heads × head size) where the heads merge before the output projection. Each constant becomes a binding; the sizes
 * must agree with each other and with the projection widths. A target may leave one of heads and head size to be
 * inferred (-1), never both.
 */
final class HeadShapes {
    private final GraphIndex g;
    private final String what;
    private final List<ConstantBinding> bindings = new ArrayList<>();
    private final List<Fixed> seen = new ArrayList<>();

    /** What one Reshape fixes; 0 where it leaves a size to inference or does not hold it. */
    private record Fixed(long heads, long size, long total, int reshape) {
    }

    HeadShapes(GraphIndex g, String what) {
        this.g = g;
        this.what = what;
    }

    void split(DataPath path, boolean keySized) {
        int reshape = onlyReshape(path, "head split");
        List<ShapeElement> tail = ShapeTail.last(g, reshape, 2);
        ShapeElement heads = tail.get(0);
        ShapeElement size = tail.get(1);
        if (!heads.fixesSize() && !size.fixesSize()) {
            throw new GraphMappingException(what + ": " + g.describe(reshape) + " fixes neither the head count nor the"
                    + " head size as a constant, so grown sizes could not be written into it");
        }
        bind(heads, new Quantity.Heads());
        bind(size, new Quantity.HeadSize(keySized));
        seen.add(new Fixed(heads.fixesSize() ? heads.value() : 0, size.fixesSize() ? size.value() : 0, 0, reshape));
    }

    void merge(DataPath path) {
        int reshape = onlyReshape(path, "head merge");
        ShapeElement width = ShapeTail.last(g, reshape, 1).getFirst();
        bind(width, new Quantity.AllHeadSize());
        if (width.fixesSize()) {
            seen.add(new Fixed(0, 0, width.value(), reshape));
        }
    }

    /** {heads, head size}, given the query projection's width; every constant seen must agree with them. */
    int[] resolve(long queryWidth) {
        long heads = 0;
        long size = 0;
        for (Fixed f : seen) {
            heads = f.heads() > 0 ? f.heads() : heads;
            size = f.size() > 0 ? f.size() : size;
        }
        heads = heads > 0 ? heads : queryWidth / size;
        size = size > 0 ? size : queryWidth / heads;
        for (Fixed f : seen) {
            boolean agrees = (f.heads() == 0 || f.heads() == heads) && (f.size() == 0 || f.size() == size)
                    && (f.total() == 0 || f.total() == heads * size);
            if (!agrees || heads * size != queryWidth) {
                throw new GraphMappingException(what + ": " + g.describe(f.reshape()) + " reshapes to sizes that"
                        + " disagree with " + heads + " heads of size " + size + " (query width " + queryWidth + ")");
            }
        }
        return new int[] {Math.toIntExact(heads), Math.toIntExact(size)};
    }

    List<ConstantBinding> bindings() {
        return List.copyOf(bindings);
    }

    private void bind(ShapeElement element, Quantity quantity) {
        if (element.fixesSize()) {
            bindings.add(new ConstantBinding(element.site(), quantity, element.reader()));
        }
    }

    private int onlyReshape(DataPath path, String purpose) {
        List<Integer> reshapes = path.ofType(g, "Reshape");
        if (reshapes.size() != 1) {
            throw new GraphMappingException(what + ": expected one Reshape for the " + purpose + " before "
                    + g.describe(path.stop()) + ", found " + reshapes.size());
        }
        return reshapes.getFirst();
    }
}
