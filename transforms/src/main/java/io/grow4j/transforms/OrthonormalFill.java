package io.grow4j.transforms;

import io.grow4j.kernels.pad.SeededRandom;
import io.grow4j.model.Tensor;

import java.util.Arrays;

/**
 * DESIGN 2.6's fill of a grown head's new query dims under QK-norm: for each head, the new dims hold c·O·q, where q is
 * the head's old query (rows of W_q, or entries of the bias, at their new places), O an (k' − k) × k matrix with
 * orthonormal columns and c = sqrt(r − 1), r = k'/k. Since OᵀO = I, |c·O·q|² = (r − 1)·|q|² for every input, so the
 * head's mean square over k' dims is that of the old k dims, and the QK-norm divides by the same root mean square as
 * before. O is the Q factor of a seeded uniform matrix (Householder QR in float64), one per layer and head, drawn from
 * the plan seed, the step and the layer alone, so W_q and its bias get the same O (q = W_q·x + b).
 *
 * @param headSize k', the grown head size; the tensor's axis 0 holds heads × k' rows
 * @param placed   for each dim of a grown head, the old dim it holds, or -1 for a new dim (k' − k ≥ k of them)
 * @param gain     c = sqrt(r − 1)
 */
public record OrthonormalFill(int headSize, int[] placed, double gain) implements EntryRewrite {
    private static final long LABEL = 0x6F7274686FL; // "ortho": its seeds never coincide with a fill's or the noise's

    public OrthonormalFill {
        placed = placed.clone();
        long kept = Arrays.stream(placed).filter(d -> d >= 0).count();
        if (placed.length != headSize || kept == 0 || headSize - kept < kept) {
            throw new IllegalArgumentException("an orthonormal fill needs at least as many new dims as old ones in"
                    + " each head of " + headSize + ", got " + kept + " old");
        }
    }

    @Override
    public int[] placed() {
        return placed.clone();
    }

    @Override
    public void apply(Tensor grown, TensorRecipe recipe, long planSeed, int stepIndex) {
        long rows = grown.shape()[0];
        long inner = grown.size() / rows;
        int[] oldAt = new int[(int) Arrays.stream(placed).filter(d -> d >= 0).count()];
        int[] newAt = new int[headSize - oldAt.length];
        for (int d = 0, n = 0; d < headSize; d++) {
            if (placed[d] >= 0) {
                oldAt[placed[d]] = d;
            } else {
                newAt[n++] = d;
            }
        }
        long layerSeed = SeededRandom.derive(planSeed, LABEL ^ ((long) stepIndex << 40)
                ^ (recipe.target().layer() + 1));
        double[] old = new double[oldAt.length];
        for (long head = 0; head < rows / headSize; head++) {
            double[][] o = orthonormalColumns(newAt.length, oldAt.length, SeededRandom.derive(layerSeed, head));
            long base = head * headSize * inner;
            for (long c = 0; c < inner; c++) {
                for (int i = 0; i < oldAt.length; i++) {
                    old[i] = grown.get(base + oldAt[i] * inner + c);
                }
                for (int j = 0; j < newAt.length; j++) {
                    double sum = 0;
                    for (int i = 0; i < old.length; i++) {
                        sum += o[j][i] * old[i];
                    }
                    grown.set(base + newAt[j] * inner + c, gain * sum);
                }
            }
        }
    }

    /**
     * An m × n matrix (m ≥ n) whose columns are orthonormal to float64 rounding: the first n columns of Q in the
     * Householder QR of a seeded matrix with entries uniform in [-1, 1).
     */
    static double[][] orthonormalColumns(int m, int n, long seed) {
        double[][] a = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = 2 * SeededRandom.unit(seed, (long) i * n + j) - 1;
            }
        }
        double[][] reflectors = new double[n][];
        for (int j = 0; j < n; j++) {
            reflectors[j] = householder(a, j);
        }
        // Q·e_j for the first n unit vectors: apply the reflectors in reverse order to the identity's columns.
        double[][] q = new double[m][n];
        for (int j = 0; j < n; j++) {
            double[] e = new double[m];
            e[j] = 1;
            for (int k = n - 1; k >= 0; k--) {
                reflect(reflectors[k], k, e);
            }
            for (int i = 0; i < m; i++) {
                q[i][j] = e[i];
            }
        }
        return q;
    }

    /** The unit Householder vector (entries j.. m−1) that zeroes column j below the diagonal; applies it to a. */
    private static double[] householder(double[][] a, int j) {
        int m = a.length;
        double norm = 0;
        for (int i = j; i < m; i++) {
            norm += a[i][j] * a[i][j];
        }
        norm = Math.sqrt(norm);
        double[] v = new double[m];
        for (int i = j; i < m; i++) {
            v[i] = a[i][j];
        }
        v[j] += a[j][j] >= 0 ? norm : -norm; // the sign that avoids cancellation
        double length = 0;
        for (int i = j; i < m; i++) {
            length += v[i] * v[i];
        }
        length = Math.sqrt(length);
        for (int i = j; i < m; i++) {
            v[i] /= length;
        }
        for (int c = j; c < a[0].length; c++) {
            double[] column = new double[m];
            for (int i = j; i < m; i++) {
                column[i] = a[i][c];
            }
            reflect(v, j, column);
            for (int i = j; i < m; i++) {
                a[i][c] = column[i];
            }
        }
        return v;
    }

    /** x ← (I − 2vvᵀ)·x on entries from..m−1. */
    private static void reflect(double[] v, int from, double[] x) {
        double dot = 0;
        for (int i = from; i < x.length; i++) {
            dot += v[i] * x[i];
        }
        for (int i = from; i < x.length; i++) {
            x[i] -= 2 * dot * v[i];
        }
    }

    @Override
    public String describe() {
        return "new query dims filled by a seeded orthonormal map of the old ones";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrthonormalFill f && f.headSize == headSize && Arrays.equals(f.placed, placed)
                && Double.compare(f.gain, gain) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(placed) + Double.hashCode(gain) + headSize;
    }

    @Override
    public String toString() {
        return "OrthonormalFill[headSize=" + headSize + ", gain=" + gain + "]";
    }
}
