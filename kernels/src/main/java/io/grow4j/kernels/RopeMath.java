package io.grow4j.kernels;

/**
 * The rotary-embedding angle every backend and the double reference share, so they cannot drift apart. Pair i of a
 * head of size d turns at frequency theta^(-2i/d); growth steps rely on exactly this formula (DESIGN.md 2.3).
 */
public final class RopeMath {
    private RopeMath() {
    }

    /** theta^(-2·pair/headSize). */
    public static double frequency(int pair, int headSize, double theta) {
        return Math.pow(theta, -2.0 * pair / headSize);
    }

    /** The rotation angle of {@code pair} at {@code position}. */
    public static double angle(int position, int pair, int headSize, double theta) {
        return position * frequency(pair, headSize, theta);
    }
}
