package io.grow4j.kernels;

import io.grow4j.model.Tensor;

/** Argument checks shared by {@link TensorKernels} implementations. */
public final class TensorKernelsChecks {
    private TensorKernelsChecks() {
    }

    /**
     * The row count the matrices share (dimension 0), for a call that splits their rows together.
     *
     * @throws IllegalArgumentException naming each matrix's shape, if there are none or their row counts differ
     */
    public static int sameRows(Tensor[] ws) {
        if (ws.length == 0) {
            throw new IllegalArgumentException("no matrices given");
        }
        long rows = ws[0].dim(0);
        for (Tensor w : ws) {
            if (w.dim(0) != rows) {
                throw new IllegalArgumentException("matrices split by row together must have equal row counts, got "
                        + java.util.Arrays.stream(ws).map(Tensor::toString).toList());
            }
        }
        return Math.toIntExact(rows);
    }
}
