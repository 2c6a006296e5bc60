package io.grow4j.model.format;

import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor of one checkpoint: its file name, how it is stored, the model tensors it holds (in stacking order, with
 * each one's extent along the first axis) and its stored shape, which follows from the config: the parts' shapes stacked along the first axis, then transposed
 * where the family stores [in, out].
 *
 * <p>expert is the index of the expert slice a per-expert tensor holds, -1 otherwise. heads is the number of blocks
 * the parts are interleaved in: 1 when each part's rows are stored whole, the attention heads when parts are fused
 * head by head (each block holds partRows[i] / heads rows of every part i in turn).
 */
record StoredTensor(String name, HfTensor spec, List<TensorKey> parts, List<Long> partRows, long[] shape,
                    int expert, int heads) {

    StoredTensor {
        parts = List.copyOf(parts);
        partRows = List.copyOf(partRows);
        shape = shape.clone();
    }

    static StoredTensor of(HfTensor spec, int layer, TransformerConfig config) {
        List<TensorKey> keys = spec.parts().stream()
                .map(role -> spec.perLayer() ? TensorKey.of(role, layer) : TensorKey.global(role)).toList();
        long[] shape = keys.getFirst().role().shape(config);
        List<Long> rows = new ArrayList<>(List.of(shape[0]));
        for (TensorKey key : keys.subList(1, keys.size())) {
            long[] part = key.role().shape(config);
            if (part.length != shape.length || !Arrays.equals(part, 1, part.length, shape, 1, shape.length)) {
                throw new IllegalStateException(spec.template() + " stacks " + keys + " whose shapes differ past the"
                        + " first axis");
            }
            shape[0] += part[0];
            rows.add(part[0]);
        }
        if (spec.transposed()) {
            shape = new long[] {shape[1], shape[0]};
        }
        int heads = spec.perHead() ? config.attention().queryHeads() : 1;
        if (rows.stream().anyMatch(r -> r % heads != 0)) {
            throw new IllegalStateException(spec.template() + " interleaves " + keys + " over " + heads
                    + " heads, but their rows " + rows + " do not split evenly");
        }
        return new StoredTensor(spec.name(layer), spec, keys, rows, shape, -1, heads);
    }

    /** Expert {@code expert}'s slice of a role stacked over experts: the role's shape without the expert axis. */
    static StoredTensor expertSlice(HfTensor spec, int layer, int expert, TransformerConfig config) {
        TensorKey key = TensorKey.of(spec.parts().getFirst(), layer);
        long[] stacked = key.role().shape(config);
        long[] shape = Arrays.copyOfRange(stacked, 1, stacked.length);
        return new StoredTensor(spec.name(layer, expert), spec, List.of(key), List.of(shape[0]), shape, expert, 1);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The single model tensor of a plain tensor. */
    TensorKey key() {
        if (!spec.plain()) {
            throw new IllegalStateException(name + " holds " + parts + (spec.transposed() ? " transposed" : ""));
        }
        return parts.getFirst();
    }
}
