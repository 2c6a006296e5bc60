package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.SeededRandom;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.HfCheckpoint;
import io.grow4j.model.format.SafetensorsEntry;
import io.grow4j.model.format.SafetensorsWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Llama-shaped Hugging Face checkpoints of any size with seeded random weights, written at disk speed, for the growth
 * benchmark and the large-model tests. Values are random bit patterns confined to finite numbers of moderate size
 * (±[2^-7, 2^-3) for weights, [1, 2) for norm gains), generated in parallel, a chunk at a time, so writing a
 * multi-gigabyte model needs a few megabytes of memory.
 */
public final class SyntheticCheckpoints {
    private static final long CHUNK = 8L << 20;
    private static final long BLOCK = 64L << 10;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private SyntheticCheckpoints() {
    }

    /**
     * Llama 2's proportions at hidden size {@code hidden}: head size 64 below 1024 and 128 from there, as many kv heads
     * as query heads, MLP 8/3 × hidden rounded up to 256, hidden/128 layers (at least 2), vocabulary 32000, untied
     * head. Hidden 4096 gives Llama 2 7B's 6.7 B parameters.
     */
    public static TransformerConfig llamaShaped(int hidden) {
        if (hidden < 64 || hidden % 64 != 0) {
            throw new IllegalArgumentException("hidden size must be a positive multiple of 64, got " + hidden);
        }
        int headSize = hidden < 1024 ? 64 : 128;
        int heads = hidden / headSize;
        int mlp = (int) Math.ceil(8.0 * hidden / 3 / 256) * 256;
        int layers = Math.max(2, hidden / 128);
        return new TransformerConfig(Architecture.LLAMA, 32000, hidden, layers, 4096,
                new AttentionConfig(heads, heads, headSize, headSize, false), new MlpConfig(mlp, Activation.SWIGLU, false),
                1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT), false);
    }

    /** The {@link #llamaShaped} configs from hidden 128 upwards (in steps of 128, then 256, 512) up to maxParams. */
    public static List<TransformerConfig> ladder(long maxParams) {
        List<TransformerConfig> configs = new ArrayList<>();
        for (int hidden = 128; ; hidden += hidden < 1024 ? 128 : hidden < 2048 ? 256 : 512) {
            TransformerConfig c = llamaShaped(hidden);
            if (c.parameterCount() > maxParams) {
                return configs;
            }
            configs.add(c);
        }
    }

    /**
     * Writes a checkpoint directory of {@code config} in {@code dtype} (BF16 or F32) to {@code out}, sharded at
     * {@code shardSize} bytes. Returns the bytes of tensor data.
     */
    public static long write(Path out, TransformerConfig config, DType dtype, long seed, long shardSize)
            throws IOException {
        if (dtype != DType.BF16 && dtype != DType.F32) {
            throw new IllegalArgumentException("synthetic checkpoints are BF16 or F32, not " + dtype);
        }
        Map<String, TensorKey> names = HfCheckpoint.tensorNames(config);
        List<SafetensorsEntry> entries = new ArrayList<>();
        names.forEach((name, key) -> entries.add(new SafetensorsEntry(name, dtype, key.role().shape(config))));
        ShardPlan plan = ShardPlan.of(entries, shardSize);
        DiskSpace.SYSTEM.require(out, plan.fileBytes());
        AtomicOutput.writeDirectory(out, dir -> {
            Files.createDirectory(dir);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment chunk = arena.allocate(CHUNK, 64);
                for (ShardPlan.Shard shard : plan.shards()) {
                    try (ShardWriter writer = ShardWriter.create(dir, shard)) {
                        for (SafetensorsEntry e : shard.entries()) {
                            TensorKey key = names.get(e.name());
                            long tensorSeed = SeededRandom.derive(seed, key.role().ordinal() * 100_003L + key.layer());
                            writeRandom(writer, e, key.role().isNorm(), tensorSeed, chunk);
                        }
                    }
                }
            }
            HfCheckpoint.writeCarried(dir, config, List.of(dtype), Map.of());
            if (plan.sharded()) {
                SafetensorsWriter.writeIndex(dir.resolve(SafetensorsWriter.INDEX), plan.weightMap(), plan.dataBytes());
            }
        });
        return plan.dataBytes();
    }

    private static void writeRandom(ShardWriter writer, SafetensorsEntry e, boolean norm, long seed,
                                    MemorySegment chunk) throws IOException {
        long bytes = e.byteSize();
        long[] masks = masks(e.dtype(), norm);
        long start = writer.begin(bytes);
        for (long at = 0; at < bytes; at += CHUNK) {
            long n = Math.min(CHUNK, bytes - at);
            fill(chunk, n, at / 8, seed, masks[0], masks[1]);
            writer.append(chunk.asSlice(0, n));
        }
        writer.end(start, bytes);
    }

    /**
     * AND and OR masks applied to every 64 random bits: per lane (4 BF16 or 2 F32 values) keep the sign, the two low
     * exponent bits and the mantissa, and force the exponent to 120..123 (weights) or the value into [1, 2) (gains).
     */
    private static long[] masks(DType dtype, boolean norm) {
        if (dtype == DType.BF16) {
            return norm ? new long[] {0x007F_007F_007F_007FL, 0x3F80_3F80_3F80_3F80L}
                    : new long[] {0x81FF_81FF_81FF_81FFL, 0x3C00_3C00_3C00_3C00L};
        }
        return norm ? new long[] {0x007F_FFFF_007F_FFFFL, 0x3F80_0000_3F80_0000L}
                : new long[] {0x80FF_FFFF_80FF_FFFFL, 0x3C00_0000_3C00_0000L};
    }

    /** Fills {@code bytes} of the chunk; long number i of the tensor is a pure function of (seed, i). */
    private static void fill(MemorySegment chunk, long bytes, long firstLong, long seed, long and, long or) {
        long longs = (bytes + 7) / 8;
        long blocks = (longs * 8 + BLOCK - 1) / BLOCK;
        LongStream.range(0, blocks).parallel().forEach(b -> {
            long from = b * BLOCK / 8;
            long to = Math.min(longs, (b + 1) * BLOCK / 8);
            for (long i = from; i < to; i++) {
                long v = (SeededRandom.mix(seed + (firstLong + i) * 0x9E3779B97F4A7C15L) & and) | or;
                long at = i * 8;
                if (at + 8 <= bytes) {
                    chunk.set(LONG, at, v);
                } else {
                    for (long k = at; k < bytes; k++) {
                        chunk.set(ValueLayout.JAVA_BYTE, k, (byte) (v >>> (8 * (k - at))));
                    }
                }
            }
        });
    }

    /** Parameter count of a config as a short label: 8.7M, 953M, 6.7B. */
    public static String label(long params) {
        return params >= 1_000_000_000L ? String.format("%.1fB", params / 1e9) : String.format("%.0fM", params / 1e6);
    }
}
