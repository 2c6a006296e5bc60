package io.grow4j.model.format.onnx;

import com.google.protobuf.ByteString;
import io.grow4j.model.DType;
import io.grow4j.model.Tensor;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto.DataType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Weight initializers to and from grow4j tensors. ONNX raw_data is little-endian row-major like {@link Tensor}, so
 * untransposed tensors copy byte for byte; MatMul weights are stored [in, out] and are transposed to and from our
 * [out, in]. Written tensors always use raw_data in the initializer's original data type.
 */
final class OnnxTensors {
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private OnnxTensors() {
    }

    static DType dtype(TensorProto t) {
        return switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> DType.F32;
            case DataType.FLOAT16_VALUE -> DType.F16;
            case DataType.BFLOAT16_VALUE -> DType.BF16;
            case DataType.DOUBLE_VALUE -> DType.F64;
            default -> throw new GraphMappingException("initializer '" + t.getName() + "' has data type "
                    + t.getDataType() + " (supported weights: float, float16, bfloat16, double)");
        };
    }

    static int dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> DataType.FLOAT_VALUE;
            case F16 -> DataType.FLOAT16_VALUE;
            case BF16 -> DataType.BFLOAT16_VALUE;
            case F64 -> DataType.DOUBLE_VALUE;
        };
    }

    /** The initializer as a tensor in fresh memory, [out, in] when {@code transposed}. */
    static Tensor decode(TensorProto t, boolean transposed) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new GraphMappingException("initializer '" + t.getName() + "' keeps its data in an external file,"
                    + " which grow4j does not read");
        }
        DType dtype = dtype(t);
        long[] stored = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long expected = expectedBytes(t, dtype, stored);
        // The dims must match the data the file holds before anything is allocated for them (dims 2^32 over 4 bytes).
        if (t.hasRawData() && t.getRawData().size() != expected) {
            throw new GraphMappingException("initializer '" + t.getName() + "' of shape " + t.getDimsList()
                    + " holds " + t.getRawData().size() + " bytes, expected " + expected);
        }
        if (!t.hasRawData() && typedValues(t).size() != expected / dtype.bytes()) {
            throw new GraphMappingException("initializer '" + t.getName() + "' of shape " + t.getDimsList() + " holds "
                    + typedValues(t).size() + " values, expected " + expected / dtype.bytes());
        }
        Tensor tensor = Tensor.allocate(dtype, stored);
        if (t.hasRawData()) {
            tensor.data().copyFrom(MemorySegment.ofBuffer(t.getRawData().asReadOnlyByteBuffer()));
        } else {
            copyTyped(t, tensor);
        }
        return transposed ? transpose(tensor) : tensor;
    }

    private static long expectedBytes(TensorProto t, DType dtype, long[] dims) {
        try {
            return Tensor.byteSize(dtype, dims);
        } catch (IllegalArgumentException e) {
            throw new GraphMappingException("initializer '" + t.getName() + "' has dims " + t.getDimsList() + ": "
                    + e.getMessage());
        }
    }

    /** {@code template} (an initializer) holding {@code tensor}'s values, [in, out] when {@code transposed}. */
    static TensorProto encode(Tensor tensor, TensorProto template, boolean transposed) {
        DType target = dtype(template);
        boolean half = target == DType.F16 || target == DType.BF16;
        if (half && (tensor.dtype() == DType.F32 || tensor.dtype() == DType.F64)) {
            // growth keeps the values a half type would round (rescaled gains, mean fills) in F32; an ONNX graph
            // fixes each initializer's type, so rounding them here would write a model that computes something else
            throw new IllegalArgumentException("initializer '" + template.getName() + "' is " + target + " in the"
                    + " graph, and the model holds it in " + tensor.dtype() + " (growth keeps values that " + target
                    + " would round in F32); the graph cannot change the initializer's type: grow with --dtype "
                    + target.name().toLowerCase() + " to round them explicitly, or use a float32 graph");
        }
        Tensor stored = transposed ? transpose(tensor) : tensor;
        if (stored.dtype() != target) {
            stored = stored.convertTo(target);
        }
        TensorProto.Builder b = template.toBuilder().clearDims().clearFloatData().clearDoubleData().clearInt32Data()
                .setRawData(ByteString.copyFrom(stored.data().asByteBuffer()));
        for (long d : stored.shape()) {
            b.addDims(d);
        }
        return b.build();
    }

    /** A rank-2 tensor with its axes swapped, in the same dtype. */
    static Tensor transpose(Tensor t) {
        if (t.rank() != 2) {
            throw new IllegalArgumentException("cannot transpose a tensor of shape " + Tensor.shapeString(t.shape()));
        }
        long rows = t.dim(0);
        long cols = t.dim(1);
        Tensor out = Tensor.allocate(t.dtype(), cols, rows);
        int block = 64; // tiles keep both the read and the write side in cache
        for (long r0 = 0; r0 < rows; r0 += block) {
            for (long c0 = 0; c0 < cols; c0 += block) {
                for (long r = r0, rEnd = Math.min(rows, r0 + block); r < rEnd; r++) {
                    for (long c = c0, cEnd = Math.min(cols, c0 + block); c < cEnd; c++) {
                        copyElement(t, r * cols + c, out, c * rows + r);
                    }
                }
            }
        }
        return out;
    }

    /** Moves one element's bits as integers, so no value (not even a NaN payload) changes on the way. */
    private static void copyElement(Tensor from, long i, Tensor to, long j) {
        switch (from.dtype().bytes()) {
            case 4 -> to.data().set(LE_INT, j * 4, from.data().get(LE_INT, i * 4));
            case 8 -> to.data().set(LE_LONG, j * 8, from.data().get(LE_LONG, i * 8));
            default -> to.data().set(LE_SHORT, j * 2, from.data().get(LE_SHORT, i * 2));
        }
    }

    private static List<? extends Number> typedValues(TensorProto t) {
        return switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> t.getFloatDataList();
            case DataType.DOUBLE_VALUE -> t.getDoubleDataList();
            default -> t.getInt32DataList();
        };
    }

    private static void copyTyped(TensorProto t, Tensor tensor) {
        List<? extends Number> values = typedValues(t);
        boolean halfBits = t.getDataType() == DataType.FLOAT16_VALUE || t.getDataType() == DataType.BFLOAT16_VALUE;
        for (int i = 0; i < values.size(); i++) {
            if (halfBits) {
                tensor.data().set(LE_SHORT, i * 2L, values.get(i).shortValue());
            } else {
                tensor.set(i, values.get(i).doubleValue());
            }
        }
    }
}
