package io.grow4j.kernels.pad;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The CPU padding kernel against the definition of a {@link PadSpec}, entry by entry and bit for bit: an entry whose
 * indices all map to old ones is scale × old, every other entry is fill.valueAt(flat index). The reference below
 * walks every entry the slow way, so the kernel's fast paths (bulk row copies, vectorised fills) are checked.
 */
class CpuPadKernelTest {
    private final CpuPadKernel kernel = new CpuPadKernel();

    @ParameterizedTest
    @EnumSource(DType.class)
    void matchesTheDefinitionOnRandomSpecs(DType dtype) {
        Random random = new Random(dtype.ordinal());
        for (int trial = 0; trial < 200; trial++) {
            PadSpec spec = randomSpec(random);
            Tensor src = randomTensor(dtype, spec.oldShape(), random);
            Tensor dst = Tensor.allocate(dtype, spec.newShape());
            kernel.pad(src, dst, spec);
            assertMatchesDefinition(src, dst, spec, "trial " + trial);
        }
    }

    @Test
    void largeTensorsTakeTheParallelPathAndStayExact() {
        Random random = new Random(5);
        PadSpec spec = new PadSpec(new long[] {300, 700}, new long[] {420, 1030},
                new int[][] {PadSpec.prefix(300, 420), PadSpec.prefix(700, 1030)}, 1.0,
                Fill.Uniform.withStd(77, 0.5));
        Tensor src = randomTensor(DType.F32, spec.oldShape(), random);
        Tensor dst = Tensor.allocate(DType.F32, spec.newShape());
        kernel.pad(src, dst, spec);
        assertMatchesDefinition(src, dst, spec, "large");
    }

    @Test
    void freshTensorsNeedNoSource() {
        PadSpec spec = new PadSpec(new long[] {3, 5}, new long[] {3, 5},
                new int[][] {PadSpec.prefix(0, 3), PadSpec.prefix(0, 5)}, 1.0, new Fill.Constant(0.25));
        Tensor dst = Tensor.allocate(DType.F64, 3, 5);
        kernel.pad(null, dst, spec);
        for (long i = 0; i < dst.size(); i++) {
            assertEquals(0.25, dst.get(i));
        }
    }

    static void assertMatchesDefinition(Tensor src, Tensor dst, PadSpec spec, String what) {
        long[] shape = spec.newShape();
        int[] index = new int[shape.length];
        Tensor rounding = Tensor.allocate(dst.dtype(), 1);
        for (long flat = 0; flat < dst.size(); flat++) {
            long rest = flat;
            for (int a = shape.length - 1; a >= 0; a--) {
                index[a] = (int) (rest % shape[a]);
                rest /= shape[a];
            }
            long old = 0;
            for (int a = 0; a < shape.length && old >= 0; a++) {
                int o = spec.newToOld()[a][index[a]];
                old = o < 0 ? -1 : old * spec.oldShape()[a] + o;
            }
            rounding.set(0, old >= 0 ? spec.scale() * src.get(old) : spec.fill().valueAt(flat));
            if (Double.doubleToRawLongBits(rounding.get(0)) != Double.doubleToRawLongBits(dst.get(flat))) {
                fail(what + ": entry " + flat + " expected " + rounding.get(0) + " got " + dst.get(flat) + " for "
                        + java.util.Arrays.toString(spec.oldShape()) + " -> " + java.util.Arrays.toString(shape));
            }
        }
    }

    private static PadSpec randomSpec(Random r) {
        int rank = 1 + r.nextInt(3);
        long[] oldShape = new long[rank];
        long[] newShape = new long[rank];
        int[][] maps = new int[rank][];
        for (int a = 0; a < rank; a++) {
            int oldSize = 1 + r.nextInt(9);
            int newSize = oldSize + r.nextInt(40);
            oldShape[a] = oldSize;
            newShape[a] = newSize;
            maps[a] = switch (r.nextInt(4)) {
                case 0 -> PadSpec.prefix(oldSize, newSize);
                case 1 -> scattered(oldSize, newSize, r);
                case 2 -> tiled(oldSize, newSize);
                default -> PadSpec.prefix(oldSize, Math.max(newSize, oldSize));
            };
        }
        double scale = r.nextBoolean() ? 1.0 : 0.5 + r.nextDouble();
        Fill fill = switch (r.nextInt(3)) {
            case 0 -> Fill.ZERO;
            case 1 -> new Fill.Constant(r.nextGaussian());
            default -> Fill.Uniform.withStd(r.nextLong(), r.nextDouble());
        };
        return new PadSpec(oldShape, newShape, maps, scale, fill);
    }

    /** Old indices at random distinct places, the rest new. */
    private static int[] scattered(int oldSize, int newSize, Random r) {
        int[] map = new int[newSize];
        java.util.Arrays.fill(map, -1);
        for (int old = 0; old < oldSize; old++) {
            int at;
            do {
                at = r.nextInt(newSize);
            } while (map[at] >= 0);
            map[at] = old;
        }
        return map;
    }

    /** Duplication: new index i takes old index i mod old size. */
    private static int[] tiled(int oldSize, int newSize) {
        int[] map = new int[newSize];
        for (int i = 0; i < newSize; i++) {
            map[i] = i % oldSize;
        }
        return map;
    }

    private static Tensor randomTensor(DType dtype, long[] shape, Random r) {
        Tensor t = Tensor.allocate(dtype, shape);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, r.nextGaussian());
        }
        return t;
    }
}
