package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.transforms.NewEntries;
import io.grow4j.transforms.TensorRecipe;

import java.util.Arrays;

/**
 * An output tensor that is a source tensor with new rows after its old ones (gate and up projections after an MLP
 * step, grown along their leading axis): its first bytes are the source's bytes unchanged, so they are copied file to
 * file like an unchanged tensor, and only the new rows are built. Before, the building thread read the old rows into
 * memory, copied them into the write buffer and the writer wrote them back, three passes over bytes the kernel copies
 * in one.
 *
 * @param at        the stage and key whose recipe appends the rows
 * @param head      the source tensor's bytes in its file: the output tensor's first bytes
 * @param tailShape the new rows' shape: (new − old leading size, the other axes unchanged)
 * @param firstNew  the flat index, in the whole output tensor, of the first new entry (old entry count)
 */
record AppendedRows(StagedKey at, SourceTensors.Stored head, long[] tailShape, long firstNew) {

    /**
     * The appended rows of the tensor {@code origin} ({@link PlanTrace#origin} of an output tensor), or null unless
     * every old entry keeps its bytes: a recipe reading a stage-0 tensor stored as held, of the same dtype, with scale
     * 1 and no shift or rewrite, whose leading axis maps old index i to i and then only new ones, whose other axes are
     * unchanged, and whose new entries do not read the source (not axis means). Rank 1 is left out: its "rows" are
     * single entries (norm gains, biases), too small to pay for a second write, and GGUF stores some gains transformed.
     */
    static AppendedRows of(PlanTrace trace, SourceTensors source, StagedKey origin) {
        if (origin.stage() == 0) {
            return null;
        }
        TensorRecipe r = trace.recipe(origin);
        if (r.source() == null || r.rewrite() != null || r.scale() != 1.0 || r.shift() != 0.0
                || r.fill() == NewEntries.AXIS_MEAN || r.newShape().length < 2 || !rowsAppended(r)) {
            return null;
        }
        StagedKey from = trace.origin(new StagedKey(origin.stage() - 1, r.source()));
        if (from.stage() != 0 || trace.dtype(from) != trace.dtype(origin)) {
            return null;
        }
        SourceTensors.Stored stored = source.stored(from.key());
        DType dtype = trace.dtype(origin);
        long oldEntries = Tensor.elementCount(r.oldShape());
        if (stored == null || stored.bytes() != oldEntries * dtype.bytes()) {
            return null;
        }
        long[] tail = r.newShape().clone();
        tail[0] -= r.oldShape()[0];
        return new AppendedRows(origin, stored, tail, oldEntries);
    }

    /** Leading axis: 0 .. old − 1 in place, then new entries (at least one of each); every other axis unchanged. */
    private static boolean rowsAppended(TensorRecipe r) {
        long[] oldShape = r.oldShape();
        long[] newShape = r.newShape();
        if (oldShape.length != newShape.length || oldShape[0] <= 0 || oldShape[0] >= newShape[0]) {
            return false;
        }
        int[][] maps = r.newToOld();
        if (!Arrays.equals(maps[0], PadSpec.prefix((int) oldShape[0], (int) newShape[0]))) {
            return false;
        }
        for (int a = 1; a < newShape.length; a++) {
            if (oldShape[a] != newShape[a] || !Arrays.equals(maps[a], PadSpec.identity((int) newShape[a]))) {
                return false;
            }
        }
        return true;
    }

    /** The pad spec that builds the new rows alone: every leading index new, the rest in place, no source. */
    PadSpec tailSpec(Fill wholeTensorFill) {
        int[][] maps = new int[tailShape.length][];
        maps[0] = PadSpec.prefix(0, (int) tailShape[0]);
        for (int a = 1; a < tailShape.length; a++) {
            maps[a] = PadSpec.identity((int) tailShape[a]);
        }
        return new PadSpec(tailShape, tailShape, maps, 1.0, wholeTensorFill.from(firstNew));
    }
}
