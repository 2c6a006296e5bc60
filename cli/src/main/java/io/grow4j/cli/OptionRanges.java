package io.grow4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for numeric options with a range, so a bad value is refused while parsing with the option's name (picocli
 * adds it), the value and the limit it passes: "Invalid value for option '--steps': '0' is too small: it must be at
 * least 1". Java's own messages ("not an int", or NaN accepted as a double) name no limit.
 */
final class OptionRanges {
    private OptionRanges() {
    }

    /** A count of at least 1 that fits an int (sequences, tokens). */
    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            long value;
            try {
                value = Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                if (text.strip().matches("[+-]?[0-9]+")) {
                    throw tooLarge(text);
                }
                throw new TypeConversionException("'" + text + "' is not a whole number");
            }
            if (value > Integer.MAX_VALUE) {
                throw tooLarge(text);
            }
            if (value < 1) {
                throw new TypeConversionException("'" + text + "' is too small: it must be at least 1");
            }
            return (int) value;
        }

        private static TypeConversionException tooLarge(String text) {
            return new TypeConversionException(text.strip().startsWith("-")
                    ? "'" + text + "' is too small: it must be at least 1"
                    : "'" + text + "' is too large: the limit is " + Integer.MAX_VALUE);
        }
    }

    /** A seed: any whole number a long holds. */
    static final class Seed implements ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            try {
                return Long.parseLong(text.strip());
            } catch (NumberFormatException e) {
                if (text.strip().matches("[+-]?[0-9]+")) {
                    throw new TypeConversionException("'" + text + "' is out of range: a seed is from " + Long.MIN_VALUE
                            + " to " + Long.MAX_VALUE);
                }
                throw new TypeConversionException("'" + text + "' is not a whole number");
            }
        }
    }

    /** A finite number of at least 0 (tolerances, temperatures): NaN and infinities are refused by name. */
    static final class NonNegativeFinite implements ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            double value;
            try {
                value = Double.parseDouble(text.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is not a number");
            }
            if (Double.isNaN(value)) {
                throw new TypeConversionException("'" + text + "' is not a number: a finite value of at least 0 is"
                        + " needed");
            }
            if (value < 0) {
                throw new TypeConversionException("'" + text + "' is negative: it must be at least 0");
            }
            if (Double.isInfinite(value)) {
                throw new TypeConversionException("'" + text + "' is too large: the limit is " + Double.MAX_VALUE);
            }
            return value;
        }
    }
}
