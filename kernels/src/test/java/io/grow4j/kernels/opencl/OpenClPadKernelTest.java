package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.kernels.pad.Fill;
import io.grow4j.kernels.pad.PadSpec;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The device padding kernel must reproduce CpuPadKernel bit for bit, for every kind of axis map, fill and dtype. */
class OpenClPadKernelTest {
    private static final DType[] EXACT_TYPES = {DType.F32, DType.F64};
    private static OpenClPadKernel device;
    private final CpuPadKernel cpu = new CpuPadKernel();

    @BeforeAll
    static void open() {
        device = OpenClPadKernel.open(DeviceProfile.DEFAULT);
        assertTrue(device.device().info().fp64(), "the bit-exact tests need an fp64 device (PoCL has it)");
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @Test
    void randomSpecsMatchTheCpuBitForBit() {
        SplittableRandom random = new SplittableRandom(2024);
        for (int trial = 0; trial < 300; trial++) {
            PadSpec spec = PadSpecs.random(random);
            DType srcType = EXACT_TYPES[random.nextInt(2)];
            DType dstType = EXACT_TYPES[random.nextInt(2)];
            checkSame(spec, srcType, dstType, random, "trial " + trial);
        }
    }

    /** LayerNorm's mean fill: sums of old entries in the CPU's order give the same bits, along any axis. */
    @Test
    void axisMeansMatchTheCpuBitForBit() {
        SplittableRandom random = new SplittableRandom(77);
        for (int trial = 0; trial < 150; trial++) {
            PadSpec spec = PadSpecs.randomAxisMean(random);
            checkSame(spec, EXACT_TYPES[random.nextInt(2)], EXACT_TYPES[random.nextInt(2)], random,
                    "axis mean trial " + trial);
        }
        for (DType half : new DType[] {DType.F16, DType.BF16}) {
            for (int trial = 0; trial < 20; trial++) {
                checkSame(PadSpecs.randomAxisMean(random), half, half, random, half + " axis mean trial " + trial);
            }
        }
        PadSpec wide = new PadSpec(new long[] {40, 300}, new long[] {64, 300},
                new int[][] {PadSpec.prefix(40, 64), PadSpec.identity(300)}, 1, new Fill.AxisMean(0));
        checkSame(wide, DType.F32, DType.F32, random, "writer rows");
    }

    /** Issue 8, fault 6: NaN and infinite old entries are left out of the means on the device as on the CPU. */
    @Test
    void axisMeansSkipNonFiniteEntriesAsTheCpuDoes() {
        SplittableRandom random = new SplittableRandom(78);
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int trial = 0; trial < 40; trial++) {
            PadSpec spec = PadSpecs.randomAxisMean(random);
            DType dtype = EXACT_TYPES[random.nextInt(2)];
            Tensor src = PadSpecs.randomTensor(random, dtype, spec.oldShape());
            for (int i = 0; i < 1 + src.size() / 4; i++) {
                src.set(random.nextLong(src.size()), specials[random.nextInt(specials.length)]);
            }
            Tensor want = Tensor.allocate(dtype, spec.newShape());
            Tensor got = Tensor.allocate(dtype, spec.newShape());
            cpu.pad(src, want, spec);
            device.pad(src, got, spec);
            assertSameBits(want, got, "non-finite axis mean trial " + trial + " " + PadSpecs.describe(spec));
        }
    }

    @Test
    void everyStripLayoutMatches() {
        SplittableRandom random = new SplittableRandom(31);
        for (long strip : new long[] {1, 3}) {
            OpenClPadKernel fixed = new OpenClPadKernel(device.device(), 4, strip);
            for (int trial = 0; trial < 40; trial++) {
                PadSpec spec = PadSpecs.random(random);
                Tensor src = PadSpecs.randomTensor(random, DType.F32, spec.oldShape());
                Tensor want = Tensor.allocate(DType.F32, spec.newShape());
                Tensor got = Tensor.allocate(DType.F32, spec.newShape());
                cpu.pad(src, want, spec);
                fixed.pad(src, got, spec);
                assertSameBits(want, got, "strip " + strip + " trial " + trial + " " + PadSpecs.describe(spec));
            }
            fixed.close();
        }
    }

    @Test
    void halfPrecisionTypesMatchToo() {
        SplittableRandom random = new SplittableRandom(99);
        DType[] types = {DType.F16, DType.BF16, DType.F32};
        for (int trial = 0; trial < 60; trial++) {
            PadSpec spec = PadSpecs.random(random);
            checkSame(spec, types[random.nextInt(3)], types[random.nextInt(3)], random, "half trial " + trial);
        }
    }

    @Test
    void largeTensorsAcrossManyGroups() {
        SplittableRandom random = new SplittableRandom(5);
        int[] rows = PadSpecs.mixed(random, 300, 640);
        int[] cols = PadSpecs.mixed(random, 517, 1100);
        PadSpec spec = new PadSpec(new long[] {300, 517}, new long[] {640, 1100}, new int[][] {rows, cols},
                0.5, new Fill.Uniform(77, 0.02));
        checkSame(spec, DType.F32, DType.F32, random, "large");
    }

    @Test
    void everyFillWithoutASource() {
        long[] shape = {5, 33};
        for (Fill fill : new Fill[] {Fill.ZERO, new Fill.Constant(0.1), new Fill.Uniform(-3, 1e-3)}) {
            PadSpec spec = new PadSpec(shape, shape, new int[][] {PadSpec.identity(5), PadSpec.identity(33)}, 1, fill);
            for (DType type : EXACT_TYPES) {
                Tensor want = Tensor.allocate(type, shape);
                Tensor got = Tensor.allocate(type, shape);
                cpu.pad(null, want, spec);
                device.pad(null, got, spec);
                assertSameBits(want, got, "fill " + fill + " " + type);
            }
        }
    }

    @Test
    void aPlanRunsOnTheDeviceWithoutHostCopies() {
        SplittableRandom random = new SplittableRandom(11);
        Tensor original = PadSpecs.randomTensor(random, DType.F32, new long[] {6, 8});
        PadSpec grow1 = new PadSpec(new long[] {6, 8}, new long[] {6, 12},
                new int[][] {PadSpec.identity(6), PadSpec.prefix(8, 12)}, 1, new Fill.Uniform(1, 0.1));
        PadSpec grow2 = new PadSpec(new long[] {6, 12}, new long[] {9, 12},
                new int[][] {PadSpec.prefix(6, 9), PadSpec.identity(12)}, 2, Fill.ZERO);
        Tensor step1 = Tensor.allocate(DType.F32, 6, 12);
        Tensor want = Tensor.allocate(DType.F32, 9, 12);
        cpu.pad(original, step1, grow1);
        cpu.pad(step1, want, grow2);
        try (DeviceTensor d0 = device.upload(original);
             DeviceTensor d1 = device.pad(d0, grow1, DType.F32);
             DeviceTensor d2 = device.pad(d1, grow2, DType.F32)) {
            assertSameBits(want, d2.download(), "two-step plan");
            assertEquals(DType.F32, d2.dtype());
            assertTrue(Arrays.equals(new long[] {9, 12}, d2.shape()));
        }
    }

    @Test
    void aPaddedDeviceTensorFeedsTheForwardPass() {
        SplittableRandom random = new SplittableRandom(12);
        Tensor w = PadSpecs.randomTensor(random, DType.F32, new long[] {5, 7});
        PadSpec grow = new PadSpec(new long[] {5, 7}, new long[] {8, 7},
                new int[][] {PadSpec.prefix(5, 8), PadSpec.identity(7)}, 1, new Fill.Uniform(3, 0.5));
        Tensor grown = Tensor.allocate(DType.F32, 8, 7);
        cpu.pad(w, grown, grow);
        float[] x = io.grow4j.kernels.Close.randomFloats(random, 7, 1);
        float[] want = new float[8];
        new io.grow4j.kernels.ScalarKernels().matvec(grown.toFloatArray(), x, want, 8, 7);
        try (OpenClKernels kernels = new OpenClKernels(device.device(), DeviceProfile.DEFAULT);
             DeviceTensor onDevice = device.pad(device.upload(w), grow, DType.F32)) {
            float[] key = new float[8 * 7]; // identity only: its contents are never read
            kernels.bindWeight(key, onDevice);
            float[] got = new float[8];
            kernels.matvec(key, x, got, 8, 7);
            io.grow4j.kernels.Close.assertClose(want, got, 8, 1e-5, "matvec on a device-padded weight");
        }
    }

    @Test
    void shapeMismatchesAreErrors() {
        PadSpec spec = new PadSpec(new long[] {2}, new long[] {3}, new int[][] {PadSpec.prefix(2, 3)}, 1, Fill.ZERO);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> device.pad(Tensor.allocate(DType.F32, 4), Tensor.allocate(DType.F32, 3), spec));
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
    }

    private void checkSame(PadSpec spec, DType srcType, DType dstType, SplittableRandom random, String what) {
        boolean withSource = random.nextInt(8) != 0;
        Tensor src = withSource ? PadSpecs.randomTensor(random, srcType, spec.oldShape()) : null;
        Tensor want = Tensor.allocate(dstType, spec.newShape());
        Tensor got = Tensor.allocate(dstType, spec.newShape());
        cpu.pad(src, want, spec);
        device.pad(src, got, spec);
        assertSameBits(want, got, what + " " + PadSpecs.describe(spec) + " " + srcType + "->" + dstType
                + (withSource ? "" : " without source"));
    }

    static void assertSameBits(Tensor want, Tensor got, String what) {
        long at = want.data().mismatch(got.data());
        if (at >= 0) {
            long index = at / want.dtype().bytes();
            fail(what + ": element " + index + " is " + got.get(index) + ", CPU kernel wrote " + want.get(index));
        }
    }
}
