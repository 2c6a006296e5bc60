package io.grow4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes and counts on the command line. Byte sizes follow transformers' max_shard_size: KB, MB, GB, TB are powers of
 * 1000 and KiB, MiB, GiB, TiB powers of 1024, so "--shard-size 4GB" means what it means to save_pretrained. Counts
 * (parameters) take K, M, B (billion) or T suffixes.
 */
final class ByteSizes {
    private static final Pattern NUMBER_UNIT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?(?:e[0-9]+)?)\\s*([a-z]*)");
    private static final Map<String, Double> BYTE_UNITS = Map.ofEntries(Map.entry("", 1.0), Map.entry("b", 1.0),
            Map.entry("kb", 1e3), Map.entry("mb", 1e6), Map.entry("gb", 1e9), Map.entry("tb", 1e12),
            Map.entry("kib", 0x1p10), Map.entry("mib", 0x1p20), Map.entry("gib", 0x1p30), Map.entry("tib", 0x1p40));
    private static final Map<String, Double> COUNT_UNITS = Map.of("", 1.0, "k", 1e3, "m", 1e6, "b", 1e9, "t", 1e12);

    private ByteSizes() {
    }

    static long parseBytes(String text) {
        return parse(text, BYTE_UNITS, "a size (e.g. 4GB, 500MB, 2GiB or a byte count)", "byte");
    }

    static long parseCount(String text) {
        return parse(text, COUNT_UNITS, "a count (e.g. 500M, 1.5B or a plain number)", "parameter");
    }

    /** Each refusal says what the text is not, or which limit it passes and what that limit is (1 to 2^63 - 1). */
    private static long parse(String text, Map<String, Double> units, String what, String unitName) {
        String number = text.strip().toLowerCase(Locale.ROOT);
        if (number.startsWith("-") && NUMBER_UNIT.matcher(number.substring(1)).matches()) {
            throw new TypeConversionException("'" + text + "' is negative: " + what + " is at least 1 " + unitName);
        }
        Matcher m = NUMBER_UNIT.matcher(number);
        Double unit = m.matches() ? units.get(m.group(2)) : null;
        if (unit == null) {
            throw new TypeConversionException("'" + text + "' is not " + what);
        }
        double value = Double.parseDouble(m.group(1)) * unit;
        if (value > Long.MAX_VALUE) {
            throw new TypeConversionException("'" + text + "' is too large: the limit is " + Long.MAX_VALUE + " "
                    + unitName + "s (2^63 - 1)");
        }
        if (Math.round(value) < 1) {
            throw new TypeConversionException("'" + text + "' is too small: it must be at least 1 " + unitName);
        }
        return Math.round(value);
    }

    /** "2.57 GB" style, for messages. */
    static String format(long bytes) {
        return bytes >= 1e9 ? String.format("%.2f GB", bytes / 1e9) : String.format("%.1f MB", bytes / 1e6);
    }

    static final class Bytes implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseBytes(value);
        }
    }

    static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseCount(value);
        }
    }
}
