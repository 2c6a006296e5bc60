package io.grow4j.transforms.stream;

/**
 * Knobs of a streamed growth.
 *
 * @param shardSize  the most tensor bytes per output shard (a larger single tensor gets a shard of its own)
 * @param cacheBytes the most bytes of intermediate tensors (multi-step plans) kept between output tensors
 */
public record StreamOptions(long shardSize, long cacheBytes) {
    /** Hugging Face's usual order of magnitude for shards; each is one file in the page cache at a time. */
    public static final long DEFAULT_SHARD_SIZE = 4L << 30;
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;
    public static final StreamOptions DEFAULTS = new StreamOptions(DEFAULT_SHARD_SIZE, DEFAULT_CACHE_BYTES);

    public StreamOptions {
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shard size must be positive, got " + shardSize);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cache size must not be negative, got " + cacheBytes);
        }
    }

    public StreamOptions withShardSize(long bytes) {
        return new StreamOptions(bytes, cacheBytes);
    }
}
