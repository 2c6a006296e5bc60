package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One seeded change to a checkpoint file, described so that a failing input can be read off the test output: the
 * kinds a hostile or broken file shows (truncation, bit flips, a size set to 0, -1, 2^31 - 1, 2^63 - 1 or a huge count
 * or length, a number in a JSON header replaced).
 */
record Mutation(String description, Edit edit) {
    /** The integers that break sizes: zero, negative, the int and long limits, and just past them. */
    static final long[] SPECIAL = {0, -1, 1, Integer.MAX_VALUE, 1L << 31, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE,
            1L << 40, Integer.MAX_VALUE - 8, 1L << 62};
    private static final String[] SPECIAL_DECIMALS = {"0", "-1", "2147483647", "2147483648", "4294967296",
            "9223372036854775807", "18446744073709551615", "1e308", "-0", "1.5", "99999999999999999999999"};

    interface Edit {
        byte[] apply(byte[] original);
    }

    byte[] apply(byte[] original) {
        return edit.apply(original);
    }

    @Override
    public String toString() {
        return description;
    }

    /** A mutation of a binary file; sizes are aimed at the first 512 bytes (the header) three times in four. */
    static Mutation binary(byte[] file, Random random) {
        int length = file.length;
        int headerEnd = Math.min(length, 512);
        int kind = random.nextInt(5);
        switch (kind) {
            case 0 -> {
                int at = random.nextInt(length);
                return new Mutation("truncate to " + at + " bytes", b -> Arrays.copyOf(b, at));
            }
            case 1 -> {
                int flips = 1 + random.nextInt(8);
                int[] bits = new int[flips];
                for (int i = 0; i < flips; i++) {
                    bits[i] = random.nextInt(random.nextInt(4) == 0 ? length * 8 : headerEnd * 8);
                }
                return new Mutation("flip bits " + Arrays.toString(bits), b -> {
                    byte[] out = b.clone();
                    for (int bit : bits) {
                        out[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                    return out;
                });
            }
            case 2, 3 -> {
                boolean wide = random.nextBoolean();
                int width = wide ? 8 : 4;
                int span = random.nextInt(4) == 0 ? length : headerEnd;
                int at = Math.max(0, random.nextInt(Math.max(1, span - width + 1)) & ~3);
                long value = SPECIAL[random.nextInt(SPECIAL.length)];
                return new Mutation("set the " + (wide ? "int64" : "int32") + " at offset " + at + " to " + value, b -> {
                    byte[] out = b.clone();
                    ByteBuffer buffer = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
                    if (at + width <= out.length) {
                        if (wide) {
                            buffer.putLong(at, value);
                        } else {
                            buffer.putInt(at, (int) value);
                        }
                    }
                    return out;
                });
            }
            default -> {
                return decimal(file, random);
            }
        }
    }

    /**
     * A run of ASCII digits in the file (a shape or offset of a safetensors header, a count in a JSON text) replaced
     * by a special decimal; a safetensors header's length prefix follows, so the change reaches the JSON parser.
     */
    static Mutation decimal(byte[] file, Random random) {
        List<int[]> runs = digitRuns(file, Math.min(file.length, 4096));
        if (runs.isEmpty()) {
            return new Mutation("unchanged (no digits)", b -> b);
        }
        int[] run = runs.get(random.nextInt(runs.size()));
        String value = SPECIAL_DECIMALS[random.nextInt(SPECIAL_DECIMALS.length)];
        return new Mutation("replace the digits at offset " + run[0] + " with " + value, b -> {
            byte[] replacement = value.getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[b.length - (run[1] - run[0]) + replacement.length];
            System.arraycopy(b, 0, out, 0, run[0]);
            System.arraycopy(replacement, 0, out, run[0], replacement.length);
            System.arraycopy(b, run[1], out, run[0] + replacement.length, b.length - run[1]);
            ByteBuffer prefix = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            if (b.length >= 8) {
                long headerLength = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                if (headerLength > 0 && 8 + headerLength >= run[1] && 8 + headerLength <= b.length) {
                    prefix.putLong(0, headerLength + out.length - b.length);
                }
            }
            return out;
        });
    }

    private static List<int[]> digitRuns(byte[] file, int end) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < end; i++) {
            if (Character.isDigit(file[i]) && (i == 0 || !Character.isDigit(file[i - 1]))) {
                int j = i;
                while (j < file.length && Character.isDigit(file[j])) {
                    j++;
                }
                runs.add(new int[] {i, j});
            }
        }
        return runs;
    }

    /** A mutation of config.json: a field set to a special value or removed, the text cut or a number replaced. */
    static Mutation json(byte[] file, Random random) {
        ObjectNode root;
        try {
            root = (ObjectNode) SafetensorsFile.JSON.readTree(file);
        } catch (IOException e) {
            throw new IllegalStateException("the seed config.json is not JSON", e);
        }
        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        String field = fields.get(random.nextInt(fields.size()));
        int kind = random.nextInt(4);
        switch (kind) {
            case 0 -> {
                long value = SPECIAL[random.nextInt(SPECIAL.length)];
                return new Mutation("set " + field + " to " + value, b -> json(root.deepCopy().put(field, value)));
            }
            case 1 -> {
                JsonNode value = oddValue(random);
                return new Mutation("set " + field + " to " + value, b -> json(root.deepCopy().set(field, value)));
            }
            case 2 -> {
                return new Mutation("remove " + field, b -> {
                    ObjectNode copy = root.deepCopy();
                    copy.remove(field);
                    return json(copy);
                });
            }
            default -> {
                return random.nextBoolean() ? decimal(file, random) : binary(file, random);
            }
        }
    }

    private static JsonNode oddValue(Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> SafetensorsFile.JSON.getNodeFactory().nullNode();
            case 1 -> SafetensorsFile.JSON.getNodeFactory().textNode("x".repeat(1 << random.nextInt(16)));
            case 2 -> SafetensorsFile.JSON.getNodeFactory().numberNode(Double.MAX_VALUE);
            case 3 -> SafetensorsFile.JSON.getNodeFactory().numberNode(new java.math.BigInteger("1".repeat(40)));
            case 4 -> SafetensorsFile.JSON.createArrayNode().add(1).add(2);
            default -> SafetensorsFile.JSON.createObjectNode().put("type", "linear").put("factor", -1e300);
        };
    }

    private static byte[] json(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
