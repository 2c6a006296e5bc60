package io.grow4j.train;

import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.steps.HeadAddition;
import io.grow4j.transforms.steps.HiddenExpansion;
import io.grow4j.transforms.steps.LayerAddition;
import io.grow4j.transforms.steps.MlpExpansion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Optimizer-state growth, tensor by tensor, against what each step's recipes say about the weights. */
class MomentGrowthTest {
    private static final TransformerConfig CONFIG = TinyModels.llama(13, 8, 2, 6, RopeLayout.INTERLEAVED, false);
    private final Parameters first = randomMoments(CONFIG, 1);
    private final Parameters second = randomMoments(CONFIG, 2);

    @Test
    void mlpGrowthKeepsOldUnitsAndZerosNewOnes() {
        Parameters m = grow(new MlpExpansion(20), first, 1);
        int old = CONFIG.mlp().size();
        for (int l = 0; l < 2; l++) {
            assertRows(first.get(Role.W_UP, l), m.get(Role.W_UP, l), old, 20, 8, 1.0);
            assertRows(first.get(Role.W_GATE, l), m.get(Role.W_GATE, l), old, 20, 8, 1.0);
            assertColumns(first.get(Role.W_DOWN, l), m.get(Role.W_DOWN, l), 8, old, 20, 1.0);
            assertArrayEquals(first.get(Role.WQ, l), m.get(Role.WQ, l));
        }
        assertArrayEquals(first.get(Role.TOKEN_EMBEDDING), m.get(Role.TOKEN_EMBEDDING));
    }

    @Test
    void appendedHeadsStartAtZero() {
        Parameters m = grow(new HeadAddition(2, false), first, 1);
        // a whole kv group appended: 2 query heads of size 2 and one kv head
        assertRows(first.get(Role.WQ, 0), m.get(Role.WQ, 0), 8, 12, 8, 1.0);
        assertRows(first.get(Role.WK, 1), m.get(Role.WK, 1), 4, 6, 8, 1.0);
        assertRows(first.get(Role.WV, 1), m.get(Role.WV, 1), 4, 6, 8, 1.0);
        assertColumns(first.get(Role.WO, 0), m.get(Role.WO, 0), 8, 8, 12, 1.0);
    }

    /** ZERO_FILL hidden growth scales gains by c = √(h/h'): m by 1/c, v by 1/c². */
    @Test
    void hiddenGrowthUndoesTheGainScaleOnBothMoments() {
        double c = Math.sqrt(8.0 / 12);
        Parameters m = grow(new HiddenExpansion(12), first, 1);
        Parameters v = grow(new HiddenExpansion(12), second, 2);
        for (int l = 0; l < 2; l++) {
            assertColumns(first.get(Role.ATTENTION_NORM, l), m.get(Role.ATTENTION_NORM, l), 1, 8, 12, 1 / c);
            assertColumns(second.get(Role.MLP_NORM, l), v.get(Role.MLP_NORM, l), 1, 8, 12, 1 / (c * c));
            assertColumns(first.get(Role.WQ, l), m.get(Role.WQ, l), 8, 8, 12, 1.0);
            assertRows(second.get(Role.W_DOWN, l), v.get(Role.W_DOWN, l), 8, 12, CONFIG.mlp().size(), 1.0);
        }
        assertColumns(first.get(Role.FINAL_NORM), m.get(Role.FINAL_NORM), 1, 8, 12, 1 / c);
        assertColumns(second.get(Role.TOKEN_EMBEDDING), v.get(Role.TOKEN_EMBEDDING), 13, 8, 12, 1.0);
        assertColumns(first.get(Role.OUTPUT), m.get(Role.OUTPUT), 13, 8, 12, 1.0);
    }

    @Test
    void insertedLayerStartsAtZeroAndLaterLayersMoveUp() {
        Parameters m = grow(new LayerAddition(1, List.of(1)), first, 1);
        for (Map.Entry<TensorKey, float[]> e : m.arrays().entrySet()) {
            TensorKey key = e.getKey();
            if (key.layer() == 1) {
                assertArrayEquals(new float[e.getValue().length], e.getValue(), key.toString());
            } else {
                TensorKey old = key.layer() == 2 ? TensorKey.of(key.role(), 1) : key;
                assertArrayEquals(first.get(old), e.getValue(), key.toString());
            }
        }
    }

    @Test
    void resetGivesAFreshOptimizerAndCarryKeepsTheStep() {
        Trainer.State state = new Trainer.State(InitialWeights.create(CONFIG, 3),
                new AdamW(AdamW.Settings.defaults(), first, second, 17));
        GrowthPlan plan = new GrowthPlan(5, List.of(new MlpExpansion(20), new HiddenExpansion(12)));
        Trainer.State reset = new GrowthMidRun(plan, GrowthMidRun.OptimizerState.RESET).apply(state);
        assertEquals(0, reset.optimizer().step());
        for (float[] a : reset.optimizer().first().arrays().values()) {
            assertArrayEquals(new float[a.length], a);
        }
        Trainer.State carry = new GrowthMidRun(plan, GrowthMidRun.OptimizerState.CARRY).apply(state);
        assertEquals(17, carry.optimizer().step());
        assertEquals(plan.apply(CONFIG), carry.optimizer().second().config());
        assertColumns(first.get(Role.WQ, 1), carry.optimizer().first().get(Role.WQ, 1), 8, 8, 12, 1.0);
    }

    private static Parameters grow(GrowthStep step, Parameters moments, int power) {
        TransformerConfig after = step.apply(CONFIG);
        return MomentGrowth.grow(moments, step.recipes(CONFIG, after), after, power);
    }

    /** grown [newRows, cols]: its first oldRows rows are old's times factor, the rest zero. */
    private static void assertRows(float[] old, float[] grown, int oldRows, int newRows, int cols, double factor) {
        assertEquals(newRows * cols, grown.length);
        for (int r = 0; r < newRows; r++) {
            for (int c = 0; c < cols; c++) {
                double want = r < oldRows ? old[r * cols + c] * factor : 0;
                assertEquals(want, grown[r * cols + c], 1e-6 * Math.abs(want), "row " + r + " column " + c);
            }
        }
    }

    /** grown [rows, newCols]: its first oldCols columns are old's times factor, the rest zero. */
    static void assertColumns(float[] old, float[] grown, int rows, int oldCols, int newCols,
                                      double factor) {
        assertEquals(rows * newCols, grown.length);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < newCols; c++) {
                double want = c < oldCols ? old[r * oldCols + c] * factor : 0;
                assertEquals(want, grown[r * newCols + c], 1e-6 * Math.abs(want), "row " + r + " column " + c);
            }
        }
    }

    /** Moments in (0.1, 1) everywhere, so a carried entry is told from a zeroed one. */
    static Parameters randomMoments(TransformerConfig config, long seed) {
        Parameters p = Parameters.zeros(config);
        SplittableRandom random = new SplittableRandom(seed);
        for (float[] a : p.arrays().values()) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble(0.1, 1.0);
            }
        }
        return p;
    }
}
