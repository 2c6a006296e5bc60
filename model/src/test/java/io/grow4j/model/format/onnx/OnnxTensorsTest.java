package io.grow4j.model.format.onnx;

import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writing initializers back into their graph's types. */
class OnnxTensorsTest {

    private static TensorProto template(DType dtype) {
        return TensorProto.newBuilder().setName("ln.weight").setDataType(OnnxTensors.dataType(dtype)).addDims(3)
                .build();
    }

    /**
     * Issue 8, fault 1: a rescaled gain growth kept in F32 must not be rounded silently into an F16 graph (it would
     * be off by up to 4.9e-4 relative, and verify would fail); before the fix it was converted without a word.
     */
    @Test
    void wideValuesAreNotRoundedSilentlyIntoAHalfPrecisionGraph() {
        Tensor gain = Tensor.of(DType.F32, new long[] {3}, new double[] {0.8164965809, 1, 2});
        for (DType half : new DType[] {DType.F16, DType.BF16}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxTensors.encode(gain, template(half), false));
            assertTrue(e.getMessage().startsWith("initializer 'ln.weight' is " + half + " in the graph, and the model"
                    + " holds it in F32"), e.getMessage());
            assertTrue(e.getMessage().contains("grow with --dtype " + half.name().toLowerCase()), e.getMessage());
        }
    }

    @Test
    void sameOrWiderGraphTypesTakeTheValues() {
        Tensor gain = Tensor.of(DType.F16, new long[] {3}, new double[] {0.5, 1, 2});
        assertEquals(DType.F16, OnnxTensors.dtype(OnnxTensors.encode(gain, template(DType.F16), false)));
        TensorProto wide = OnnxTensors.encode(gain, template(DType.F32), false);
        assertEquals(0.5, OnnxTensors.decode(wide, false).get(0));
    }
}
