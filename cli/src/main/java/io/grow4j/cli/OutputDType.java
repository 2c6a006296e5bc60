package io.grow4j.cli;

import io.grow4j.model.DType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.Set;

/**
 * Parses --dtype. Quantized types are named so the refusal can say why: growth writes exact values, and quantizing
 * is a lossy step of its own, better left to the tools made for it.
 */
final class OutputDType implements ITypeConverter<DType> {
    private static final Set<String> QUANTIZED = Set.of("q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q8_1", "q2_k",
            "q3_k", "q4_k", "q5_k", "q6_k", "q8_k", "iq4_nl", "int8", "int4", "fp8");

    @Override
    public DType convert(String value) {
        String name = value.toLowerCase(Locale.ROOT);
        if (QUANTIZED.contains(name)) {
            throw new TypeConversionException("quantized output dtype '" + value + "' is not supported: grow4j writes"
                    + " exact values in f64, f32, f16 or bf16 (quantize afterwards, e.g. with llama.cpp's quantize)");
        }
        return switch (name) {
            case "f64", "float64" -> DType.F64;
            case "f32", "float32" -> DType.F32;
            case "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new TypeConversionException("unknown dtype '" + value + "' (f64, f32, f16, bf16)");
        };
    }
}
