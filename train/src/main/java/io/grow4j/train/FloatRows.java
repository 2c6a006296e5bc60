package io.grow4j.train;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.Positions;
import io.grow4j.model.TransformerConfig;

import java.util.stream.IntStream;

/**
 * Row-wise pieces of the float32 training pass over x [rows, width]: RMSNorm, RoPE and SwiGLU, forward and backward.
 * The norms' row passes and SwiGLU run in parallel; the lighter passes run on the calling thread, as a join costs more
 * than they do on a busy machine. Row sums accumulate in double so the float pass stays within 1e-4 of the double
 * reference, and every sum runs in the same order at any thread count.
 */
final class FloatRows {
    private FloatRows() {
    }

    /** y = gain⊙x·r per row; r [rows] = (mean x² + ε)^−½ is written for the backward. */
    static float[] rmsForward(float[] x, float[] gain, float[] r, int rows, int width, double eps) {
        float[] y = new float[rows * width];
        IntStream.range(0, rows).parallel().forEach(row -> {
            int base = row * width;
            double squares = 0;
            for (int i = 0; i < width; i++) {
                squares += (double) x[base + i] * x[base + i];
            }
            float inv = (float) (1.0 / Math.sqrt(squares / width + eps));
            r[row] = inv;
            for (int i = 0; i < width; i++) {
                y[base + i] = x[base + i] * inv * gain[i];
            }
        });
        return y;
    }

    /**
     * Adds to dx the gradient through y = gain⊙x·r, dx = r(dx̂ − x̂·mean(dx̂⊙x̂)) with x̂ = x·r, dx̂ = gain⊙dy; adds
     * gain's gradient Σ_rows dy⊙x̂ to dGain.
     */
    static void rmsBackward(float[] dy, float[] x, float[] gain, float[] r, float[] dx, float[] dGain, int rows,
                            int width) {
        IntStream.range(0, rows).parallel().forEach(row -> {
            int base = row * width;
            float inv = r[row];
            double dot = 0;
            for (int i = 0; i < width; i++) {
                dot += (double) dy[base + i] * gain[i] * x[base + i] * inv;
            }
            float mean = (float) (dot / width);
            for (int i = 0; i < width; i++) {
                dx[base + i] += inv * (dy[base + i] * gain[i] - x[base + i] * inv * mean);
            }
        });
        // Row by row on one thread: each column still sums its rows in ascending order, but reads run along rows.
        double[] sums = new double[width];
        for (int row = 0; row < rows; row++) {
            int base = row * width;
            for (int i = 0; i < width; i++) {
                sums[i] += (double) dy[base + i] * x[base + i] * r[row];
            }
        }
        for (int i = 0; i < width; i++) {
            dGain[i] += (float) sums[i];
        }
    }

    /**
     * cos and sin [position][pair] × the attention factor of every rotary angle, from the shared
     * {@link RopeFrequencies} of the config (scaled frequencies, yarn's factor and partial rotary included), rounded
     * to float once as the inference kernels' tables are, so the training logits equal ForwardPass's.
     */
    record RopeTable(float[] cos, float[] sin, int pairs, Positions.Rope rope, int headSize) {
        static RopeTable of(TransformerConfig config, int length) {
            RopeFrequencies frequencies = RopeFrequencies.of(config);
            int pairs = frequencies.pairs();
            double factor = frequencies.attentionFactor();
            float[] cos = new float[length * pairs];
            float[] sin = new float[length * pairs];
            for (int t = 0; t < length; t++) {
                for (int pair = 0; pair < pairs; pair++) {
                    double angle = frequencies.angle(t, pair);
                    cos[t * pairs + pair] = (float) (Math.cos(angle) * factor);
                    sin[t * pairs + pair] = (float) (Math.sin(angle) * factor);
                }
            }
            return new RopeTable(cos, sin, pairs, (Positions.Rope) config.positions(), config.attention().keySize());
        }

        /**
         * Rotates the rotary dims of every head of every row by its position's angle (× the attention factor); sign
         * −1 applies the transpose (the backward). Dims past the rotary ones pass through. On the calling thread: a
         * few multiplies per element, less than a synchronisation costs on a busy machine.
         */
        void rotate(float[] x, int rows, int heads, int length, int sign) {
            int width = heads * headSize;
            int rotary = 2 * pairs;
            for (int row = 0; row < rows; row++) {
                int t = row % length;
                for (int pair = 0; pair < pairs; pair++) {
                    float c = cos[t * pairs + pair];
                    float s = sign * sin[t * pairs + pair];
                    int d0 = rope.layout().dimOf(pair, 0, rotary);
                    int d1 = rope.layout().dimOf(pair, 1, rotary);
                    for (int h = 0; h < heads; h++) {
                        int i0 = row * width + h * headSize + d0;
                        int i1 = row * width + h * headSize + d1;
                        float x0 = x[i0];
                        float x1 = x[i1];
                        x[i0] = x0 * c - x1 * s;
                        x[i1] = x0 * s + x1 * c;
                    }
                }
            }
        }
    }

    /** Elements per parallel task of the element-wise loops: enough work to pay for handing it to a thread. */
    private static final int CHUNK = 1 << 15;

    /**
     * h = silu(gate) ⊙ up, silu(z) = z·σ(z), σ(z) = 1 / (1 + e^−z). e^z is the scalar Math.exp on purpose: the Vector
     * API's EXP differs in the last bit between interpreted and compiled code, which would break bit-for-bit resume.
     */
    static float[] swiglu(float[] gate, float[] up) {
        float[] h = new float[gate.length];
        inChunks(gate.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                h[i] = silu(gate[i]) * up[i];
            }
        });
        return h;
    }

    /**
     * From dh to dGate and dUp (written) through h = silu(gate)⊙up: dUp = dh·z·σ, dGate = dh·up·σ·(1 + z·(1 − σ)),
     * since silu'(z) = σ(z)·(1 + z·(1 − σ(z))).
     */
    static void swigluBackward(float[] dh, float[] gate, float[] up, float[] dGate, float[] dUp) {
        inChunks(dh.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float z = gate[i];
                float sigma = (float) (1.0 / (1.0 + Math.exp(-z)));
                dUp[i] = dh[i] * z * sigma;
                dGate[i] = dh[i] * up[i] * sigma * (1 + z * (1 - sigma));
            }
        });
    }

    private static float silu(float z) {
        return (float) (z / (1.0 + Math.exp(-z)));
    }

    /** Runs body over [0, n) in chunks of CHUNK, in parallel; each element belongs to one chunk. */
    private static void inChunks(int n, Range body) {
        IntStream.range(0, (n + CHUNK - 1) / CHUNK).parallel()
                .forEach(chunk -> body.run(chunk * CHUNK, Math.min(n, (chunk + 1) * CHUNK)));
    }

    /** A loop body over elements [from, to). */
    @FunctionalInterface
    private interface Range {
        void run(int from, int to);
    }

    /** y += x, on the calling thread: a pass over memory too short to be worth a synchronisation. */
    static void add(float[] y, float[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }
}
