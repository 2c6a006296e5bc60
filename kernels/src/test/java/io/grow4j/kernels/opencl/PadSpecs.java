package io.grow4j.kernels.opencl;

import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Random padding recipes covering every axis-map shape growth steps produce, for device-versus-CPU tests. */
final class PadSpecs {
    private PadSpecs() {
    }

    static PadSpec random(SplittableRandom random) {
        int rank = random.nextInt(5);
        long[] oldShape = new long[rank];
        long[] newShape = new long[rank];
        int[][] maps = new int[rank][];
        for (int a = 0; a < rank; a++) {
            int oldSize = 1 + random.nextInt(6);
            int newSize = 1 + random.nextInt(9);
            oldShape[a] = oldSize;
            newShape[a] = newSize;
            maps[a] = map(random, oldSize, newSize);
        }
        double[] scales = {1, 1, 0.5, Math.sqrt(2), -3.25, random.nextDouble() * 4 - 2};
        return new PadSpec(oldShape, newShape, maps, scales[random.nextInt(scales.length)], fill(random, rank));
    }

    private static int[] map(SplittableRandom random, int oldSize, int newSize) {
        return switch (random.nextInt(4)) {
            case 0 -> PadSpec.prefix(oldSize, newSize);
            case 1 -> permutation(random, oldSize, newSize);
            case 2 -> repeats(random, oldSize, newSize);
            default -> mixed(random, oldSize, newSize);
        };
    }

    /** Old indices moved around (RoPE pair placement, head renumbering), the rest new. */
    private static int[] permutation(SplittableRandom random, int oldSize, int newSize) {
        int[] map = new int[newSize];
        Arrays.fill(map, -1);
        int[] slots = shuffled(random, newSize);
        for (int i = 0; i < Math.min(oldSize, newSize); i++) {
            map[slots[i]] = i;
        }
        return map;
    }

    /** Duplication: old indices repeated. */
    private static int[] repeats(SplittableRandom random, int oldSize, int newSize) {
        int[] map = new int[newSize];
        for (int i = 0; i < newSize; i++) {
            map[i] = random.nextInt(oldSize);
        }
        return map;
    }

    /** Any old index or -1 at each position. */
    static int[] mixed(SplittableRandom random, int oldSize, int newSize) {
        int[] map = new int[newSize];
        for (int i = 0; i < newSize; i++) {
            map[i] = random.nextInt(oldSize + 1) - 1;
        }
        return map;
    }

    private static int[] shuffled(SplittableRandom random, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static Fill fill(SplittableRandom random, int rank) {
        return switch (random.nextInt(rank == 0 ? 3 : 4)) {
            case 0 -> Fill.ZERO;
            case 1 -> new Fill.Constant(random.nextDouble() * 2 - 1);
            case 2 -> new Fill.Uniform(random.nextLong(), random.nextDouble() * 0.1);
            default -> new Fill.AxisMean(random.nextInt(rank));
        };
    }

    /** A random spec whose new entries are means along one of its axes. */
    static PadSpec randomAxisMean(SplittableRandom random) {
        PadSpec spec;
        do {
            spec = random(random);
        } while (spec.rank() == 0);
        return spec.withFill(new Fill.AxisMean(random.nextInt(spec.rank())));
    }

    static Tensor randomTensor(SplittableRandom random, DType dtype, long[] shape) {
        Tensor t = Tensor.allocate(dtype, shape);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, random.nextGaussian() * Math.exp(random.nextDouble() * 6 - 3));
        }
        return t;
    }

    static String describe(PadSpec spec) {
        return Arrays.toString(spec.oldShape()) + "->" + Arrays.toString(spec.newShape()) + " maps "
                + Arrays.deepToString(spec.newToOld()) + " scale " + spec.scale() + " fill " + spec.fill();
    }
}
