package io.grow4j.model.format;

import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

/**
 * Moves the Q and K rows of each head between RoPE layouts (DESIGN 2.3). RoPE rotates the two members of pair i
 * together; where they sit inside the head is a storage convention, so converting is a permutation of rows within
 * each head: pure data movement, bit-exact, and the attention function is unchanged because Q and K move alike
 * (their dot product sums over the same pairs). QK-norm gains move with the dims they scale; the norm's mean square
 * is a sum over the head, which no permutation changes.
 */
public final class RopePermutation {
    private RopePermutation() {
    }

    /**
     * A copy of {@code t} with the rows of each head rearranged from layout {@code from} to {@code to}. {@code t} is a
     * weight [heads * headSize, cols] or a bias [heads * headSize]; the dtype is kept.
     */
    public static Tensor permuteRows(Tensor t, int heads, int headSize, RopeLayout from, RopeLayout to) {
        if (t.rank() < 1 || t.rank() > 2 || t.dim(0) != (long) heads * headSize) {
            throw new IllegalArgumentException("expected a tensor of " + heads + " heads x " + headSize
                    + " rows (optionally x columns), got shape " + Tensor.shapeString(t.shape()));
        }
        if (headSize % 2 != 0) {
            throw new IllegalArgumentException("RoPE needs an even head size, got " + headSize);
        }
        Tensor out = Tensor.allocate(t.dtype(), t.shape());
        long rowBytes = t.byteSize() / t.dim(0);
        for (int head = 0; head < heads; head++) {
            for (int dim = 0; dim < headSize; dim++) {
                int target = to.dimOf(from.pairOf(dim, headSize), from.memberOf(dim, headSize), headSize);
                long src = ((long) head * headSize + dim) * rowBytes;
                long dst = ((long) head * headSize + target) * rowBytes;
                MemorySegment.copy(t.data(), src, out.data(), dst, rowBytes);
            }
        }
        return out;
    }

    /**
     * The same model with its Q and K rows (and biases) stored in {@code target} layout and its config saying so.
     * Returns {@code model} itself when it is already in that layout. Every other tensor is shared, not copied; neither
     * model is modified.
     *
     * @throws IllegalArgumentException the model has no RoPE (learned positions have no layout)
     */
    public static Model toLayout(Model model, RopeLayout target) {
        TransformerConfig config = model.config();
        if (!(config.positions() instanceof Positions.Rope rope)) {
            throw new IllegalArgumentException("model uses learned positions: it has no RoPE layout to convert");
        }
        if (rope.layout() == target) {
            return model;
        }
        AttentionConfig attention = config.attention();
        Map<TensorKey, Tensor> tensors = new TreeMap<>(model.tensors());
        for (Map.Entry<TensorKey, Tensor> e : tensors.entrySet()) {
            int heads = switch (e.getKey().role()) {
                case WQ, BQ, Q_NORM -> attention.queryHeads();
                case WK, BK, K_NORM -> attention.kvHeads();
                // a per-head QK-norm gain multiplies each head's dims before RoPE: it moves with them
                case Q_HEAD_NORM, K_HEAD_NORM -> 1;
                default -> 0;
            };
            if (heads > 0) {
                e.setValue(permuteRows(e.getValue(), heads, attention.keySize(), rope.layout(), target));
            }
        }
        return model.derive(withLayout(config, rope, target), tensors);
    }

    private static TransformerConfig withLayout(TransformerConfig c, Positions.Rope rope, RopeLayout target) {
        return c.withPositions(rope.withLayout(target));
    }
}
