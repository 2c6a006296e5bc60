package io.grow4j.model.format.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One BERT self-attention block, recognised by data flow rather than names:
 * <pre>
 *   x ─ Linear ─ Reshape(…, heads, k) ─ Transpose ─ [scale] ──────────┐ (input 0)   Q
 *   x ─ Linear ─ Reshape(…, heads, k) ─ Transpose ─ [scale] ─ MatMul ─┘ (input 1)   K
 *        scores ─ [scale] ─ Add(mask) ─ Softmax ─ MatMul ─ Transpose ─ Reshape(…, heads·v) ─ Linear   O
 *   x ─ Linear ─ Reshape(…, heads, v) ─ Transpose ──────────┘ (input 1)                              V
 * </pre>
 * Which projection is Q, K or V follows from where its path ends; the shape constants (heads, head size, heads × head
 * size) and the scale factors found on the way become bindings a writer updates for grown sizes.
 */
record AttentionMatch(Linear query, Linear key, Linear value, Linear output, int heads, int headSize,
                      List<ConstantBinding> constants) {

    private static final Set<String> PROJECTION_OPS = Set.of("Reshape", "Transpose", "Mul", "Div", "Identity");
    private static final Set<String> SCORE_OPS = Set.of("Mul", "Div", "Add", "Cast", "Identity");
    private static final Set<String> PROBABILITY_OPS = Set.of("Cast", "Dropout", "Identity");
    private static final Set<String> MERGE_OPS = Set.of("Transpose", "Reshape", "Identity");

    static AttentionMatch at(GraphIndex g, List<Linear> projections, String what) {
        if (projections.size() != 3) {
            throw new GraphMappingException(what + ": expected 3 projections (Q, K, V) reading the hidden state, found "
                    + projections.size() + " (" + Patterns.describe(g, projections.stream().map(Linear::matmul).toList())
                    + ")");
        }
        List<DataPath> paths = new ArrayList<>();
        for (Linear p : projections) {
            paths.add(DataPath.follow(g, p.output(), PROJECTION_OPS, what + ", after " + g.describe(p.matmul())));
        }
        int[] role = roles(g, paths, what); // role[r] = index into projections for Q, K, V
        DataPath q = paths.get(role[0]);
        DataPath k = paths.get(role[1]);
        DataPath v = paths.get(role[2]);
        DataPath scores = DataPath.follow(g, g.node(q.stop()).getOutput(0), SCORE_OPS, what + ", attention scores");
        expect(g, scores, "Softmax", what + ", attention scores");
        DataPath probabilities = DataPath.follow(g, g.node(scores.stop()).getOutput(0), PROBABILITY_OPS,
                what + ", attention probabilities");
        if (probabilities.stop() != v.stop() || probabilities.slot() != 0) {
            throw new GraphMappingException(what + ": the softmax output reaches " + g.describe(probabilities.stop())
                    + ", not the MatMul " + g.describe(v.stop()) + " that reads the values");
        }
        DataPath merge = DataPath.follow(g, g.node(v.stop()).getOutput(0), MERGE_OPS, what + ", context");
        expect(g, merge, "MatMul", what + ", context");
        Linear output = Linear.at(g, merge.stop());

        HeadShapes shapes = new HeadShapes(g, what);
        shapes.split(q, true);
        shapes.split(k, true);
        shapes.split(v, false);
        shapes.merge(merge);
        Linear query = projections.get(role[0]);
        int[] sizes = shapes.resolve(query.outFeatures(g));
        List<ConstantBinding> constants = new ArrayList<>(shapes.bindings());
        constants.addAll(AttentionScales.bind(g, List.of(q, k, scores), sizes[1], what));
        checkWidths(g, projections, output, sizes[0] * sizes[1], what);
        return new AttentionMatch(query, projections.get(role[1]), projections.get(role[2]), output, sizes[0],
                sizes[1], List.copyOf(constants));
    }

    /** Q and K meet at the scores MatMul (inputs 0 and 1), V enters the other MatMul as input 1. */
    private static int[] roles(GraphIndex g, List<DataPath> paths, String what) {
        for (int vi = 0; vi < 3; vi++) {
            int a = (vi + 1) % 3;
            int b = (vi + 2) % 3;
            DataPath pa = paths.get(a);
            DataPath pb = paths.get(b);
            boolean meet = pa.stop() == pb.stop() && isMatMul(g, pa.stop()) && pa.slot() != pb.slot();
            DataPath pv = paths.get(vi);
            if (meet && isMatMul(g, pv.stop()) && pv.stop() != pa.stop() && pv.slot() == 1) {
                return pa.slot() == 0 ? new int[] {a, b, vi} : new int[] {b, a, vi};
            }
        }
        StringBuilder ends = new StringBuilder();
        for (DataPath p : paths) {
            ends.append(ends.isEmpty() ? "" : "; ").append(g.describe(p.stop())).append(" input ").append(p.slot());
        }
        throw new GraphMappingException(what + ": the three projections do not form Q·Kᵀ and P·V (their paths end at "
                + ends + ")");
    }

    private static boolean isMatMul(GraphIndex g, int node) {
        return g.node(node).getOpType().equals("MatMul");
    }

    private static void expect(GraphIndex g, DataPath path, String op, String what) {
        if (!g.node(path.stop()).getOpType().equals(op)) {
            throw new GraphMappingException(what + ": expected " + op + ", found " + g.describe(path.stop()));
        }
    }

    private static void checkWidths(GraphIndex g, List<Linear> projections, Linear output, int width, String what) {
        for (Linear p : projections) {
            if (p.outFeatures(g) != width) {
                throw new GraphMappingException(what + ": weight '" + p.weight() + "' has " + p.outFeatures(g)
                        + " outputs, expected heads × head size = " + width);
            }
        }
        if (output.inFeatures(g) != width) {
            throw new GraphMappingException(what + ": output weight '" + output.weight() + "' has "
                    + output.inFeatures(g) + " inputs, expected heads × head size = " + width);
        }
    }
}
