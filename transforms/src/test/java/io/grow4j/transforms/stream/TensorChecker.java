package io.grow4j.transforms.stream;

import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** Checks rows of one grown tensor against {@link TracedRules}, reading source tensors as the rules name them. */
final class TensorChecker {
    @FunctionalInterface
    interface SourceTensors {
        Tensor map(TensorKey key) throws IOException;
    }

    private final TracedRules rules;
    private final StagedKey target;
    private final Tensor actual;
    private final SourceTensors sources;
    private final LargeCheckpointTest.RuleCounts counts;
    private final Map<TensorKey, Tensor> mapped = new HashMap<>();

    TensorChecker(TracedRules rules, int finalStage, TensorKey key, Tensor actual, SourceTensors sources,
                  LargeCheckpointTest.RuleCounts counts) {
        this.rules = rules;
        this.target = new StagedKey(finalStage, key);
        this.actual = actual;
        this.sources = sources;
        this.counts = counts;
    }

    /** Checks {@code sampled} random rows plus the first and last (every row when sampled < 0). */
    void checkRows(int sampled, SplittableRandom random) throws IOException {
        long rows = actual.rank() == 1 ? 1 : actual.dim(0);
        if (sampled < 0 || rows <= sampled + 2) {
            for (long r = 0; r < rows; r++) {
                checkRow(r);
            }
            return;
        }
        checkRow(0);
        checkRow(rows - 1);
        for (int i = 0; i < sampled; i++) {
            checkRow(random.nextLong(rows));
        }
    }

    private void checkRow(long row) throws IOException {
        long cols = actual.rank() == 1 ? actual.dim(0) : actual.dim(1);
        int[] index = new int[actual.rank()];
        for (int c = 0; c < cols; c++) {
            if (actual.rank() == 1) {
                index[0] = c;
            } else {
                index[0] = (int) row;
                index[1] = c;
            }
            long flat = actual.rank() == 1 ? c : row * cols + c;
            check(rules.at(target, index), actual.get(flat), row, c);
        }
    }

    private void check(TracedRules.Expected expected, double v, long row, int col) throws IOException {
        switch (expected) {
            case TracedRules.Old o -> {
                double want = TracedRules.value(o, source(o.source().key()));
                if (Double.compare(v, want) != 0) {
                    fail(target.key() + " [" + row + ", " + col + "]: expected old value " + want + " (from "
                            + o.source().key() + " entry " + o.index() + "), got " + v);
                }
                counts.old++;
            }
            case TracedRules.Zero z -> {
                if (v != 0.0) {
                    fail(target.key() + " [" + row + ", " + col + "] must be exactly zero, got " + v);
                }
                counts.zeros++;
            }
            case TracedRules.Any a -> {
            }
        }
    }

    private Tensor source(TensorKey key) throws IOException {
        Tensor t = mapped.get(key);
        if (t == null) {
            t = sources.map(key);
            mapped.put(key, t);
        }
        return t;
    }
}
