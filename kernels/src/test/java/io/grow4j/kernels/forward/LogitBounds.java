package io.grow4j.kernels.forward;

import static org.junit.jupiter.api.Assertions.fail;

/** DESIGN.md section 4's single-precision bound: max |Δlogit| ≤ tolerance × max |logit| over a whole sequence. */
public final class LogitBounds {
    private LogitBounds() {
    }

    /** {@code want} from the double reference (or another float pass), {@code got} from the pass under test. */
    public static void assertRelative(double[][] want, float[][] got, double tolerance, String what) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                scale = Math.max(scale, Math.abs(want[i][j]));
                worst = Math.max(worst, Math.abs(want[i][j] - got[i][j]));
            }
        }
        if (!(worst <= tolerance * scale)) {
            fail(what + ": max |Δlogit| " + worst + " > " + tolerance + " × max|logit| " + scale);
        }
    }

    /** The same bound between two float passes. */
    public static void assertRelative(float[][] want, float[][] got, double tolerance, String what) {
        double[][] wide = new double[want.length][];
        for (int i = 0; i < want.length; i++) {
            wide[i] = new double[want[i].length];
            for (int j = 0; j < want[i].length; j++) {
                wide[i][j] = want[i][j];
            }
        }
        assertRelative(wide, got, tolerance, what);
    }
}
