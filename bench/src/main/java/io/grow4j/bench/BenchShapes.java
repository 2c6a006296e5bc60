package io.grow4j.bench;

/**
 * Problem sizes. The full set is the (matmul 1024³, matvec 4096², attention over 512 positions with 8 heads
 * of 64, pad into 256 MiB, a ~110 M-parameter Llama, a read-bandwidth buffer of 1 GiB, far above any last-level
 * cache); the quick set shrinks each so every backend finishes within
 * two minutes on a 2-core machine.
 */
public record BenchShapes(int matmul, int matvec, int attentionSeq, int attentionHeads, int headSize,
                          long padRows, long padOldCols, long padNewCols, ForwardBench.Shape forward,
                          long readBytes) {

    public static final BenchShapes FULL = new BenchShapes(1024, 4096, 512, 8, 64, 8192, 6144, 8192,
            ForwardBench.Shape.LLAMA_110M, 1L << 30);
    public static final BenchShapes QUICK = new BenchShapes(512, 2048, 128, 8, 64, 2048, 3072, 4096,
            ForwardBench.Shape.LLAMA_SMALL, 256L << 20);

    /** Bytes of the padded (new) tensor, f32. */
    public long padBytes() {
        return padRows * padNewCols * Float.BYTES;
    }
}
