package io.grow4j.model.format.onnx;

import com.google.protobuf.ByteString;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto;
import io.grow4j.model.format.onnx.proto.Onnx.TensorProto.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small numeric ONNX tensors (shape constants, scales, epsilons) as doubles, and a copy of one with an element
 * changed. Values live either in raw_data (little-endian) or in the typed repeated field of their type; a changed
 * tensor keeps whichever form it had, so nothing else about it moves.
 */
final class TensorValues {
    private TensorValues() {
    }

    static double[] read(TensorProto t) {
        int type = t.getDataType();
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int width = width(type);
            double[] out = new double[raw.remaining() / width];
            for (int i = 0; i < out.length; i++) {
                out[i] = readRaw(raw, i * width, type);
            }
            return out;
        }
        if (type == DataType.FLOAT_VALUE) {
            return t.getFloatDataList().stream().mapToDouble(Float::doubleValue).toArray();
        }
        if (type == DataType.DOUBLE_VALUE) {
            return t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
        }
        if (type == DataType.INT64_VALUE) {
            return t.getInt64DataList().stream().mapToDouble(Long::doubleValue).toArray();
        }
        if (type == DataType.INT32_VALUE) {
            return t.getInt32DataList().stream().mapToDouble(Integer::doubleValue).toArray();
        }
        if (type == DataType.FLOAT16_VALUE || type == DataType.BFLOAT16_VALUE) {
            return t.getInt32DataList().stream().mapToDouble(bits -> halfToDouble(bits, type)).toArray();
        }
        throw new IllegalArgumentException("tensor '" + t.getName() + "' has data type " + type
                + ", not a number type grow4j reads");
    }

    /** {@code t} with element {@code index} set to {@code value} (rounded to the tensor's type). */
    static TensorProto withElement(TensorProto t, int index, double value) {
        int type = t.getDataType();
        TensorProto.Builder b = t.toBuilder();
        if (t.hasRawData()) {
            int width = width(type);
            byte[] raw = t.getRawData().toByteArray();
            writeRaw(ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), index * width, type, value);
            return b.setRawData(ByteString.copyFrom(raw)).build();
        }
        switch (type) {
            case DataType.FLOAT_VALUE -> b.setFloatData(index, (float) value);
            case DataType.DOUBLE_VALUE -> b.setDoubleData(index, value);
            case DataType.INT64_VALUE -> b.setInt64Data(index, exactLong(value));
            case DataType.INT32_VALUE -> b.setInt32Data(index, Math.toIntExact(exactLong(value)));
            default -> throw new IllegalArgumentException("cannot store into tensor '" + t.getName() + "' of data type "
                    + type);
        }
        return b.build();
    }

    private static int width(int type) {
        return switch (type) {
            case DataType.FLOAT_VALUE, DataType.INT32_VALUE -> 4;
            case DataType.DOUBLE_VALUE, DataType.INT64_VALUE -> 8;
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> 2;
            default -> throw new IllegalArgumentException("data type " + type + " is not a number type grow4j reads");
        };
    }

    private static double readRaw(ByteBuffer raw, int at, int type) {
        return switch (type) {
            case DataType.FLOAT_VALUE -> raw.getFloat(at);
            case DataType.INT32_VALUE -> raw.getInt(at);
            case DataType.DOUBLE_VALUE -> raw.getDouble(at);
            case DataType.INT64_VALUE -> raw.getLong(at);
            default -> halfToDouble(raw.getShort(at), type);
        };
    }

    private static void writeRaw(ByteBuffer raw, int at, int type, double value) {
        switch (type) {
            case DataType.FLOAT_VALUE -> raw.putFloat(at, (float) value);
            case DataType.INT32_VALUE -> raw.putInt(at, Math.toIntExact(exactLong(value)));
            case DataType.DOUBLE_VALUE -> raw.putDouble(at, value);
            case DataType.INT64_VALUE -> raw.putLong(at, exactLong(value));
            case DataType.FLOAT16_VALUE -> raw.putShort(at, Float.floatToFloat16((float) value));
            default -> throw new IllegalArgumentException("cannot store a constant of data type " + type);
        }
    }

    private static double halfToDouble(int bits, int type) {
        return type == DataType.FLOAT16_VALUE ? Float.float16ToFloat((short) bits)
                : Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    private static long exactLong(double value) {
        long v = Math.round(value);
        if (v != value) {
            throw new IllegalArgumentException("integer constant cannot hold " + value);
        }
        return v;
    }
}
