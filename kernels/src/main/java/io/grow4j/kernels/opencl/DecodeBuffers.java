package io.grow4j.kernels.opencl;

import io.grow4j.model.AttentionConfig;
import io.grow4j.model.TransformerConfig;
import org.jocl.CL;
import org.jocl.cl_mem;

/**
 * One session's device memory: the step buffer (token, position, RoPE cosines and sines), the activations, and per
 * layer the key and value cache, [capacity, kvHeads·size] each. The cache starts small and doubles up to maxSeqLen,
 * copied on the device, so a short session on a long-context model stays small.
 */
final class DecodeBuffers implements AutoCloseable {
    private final ClDevice device;
    private final TransformerConfig config;
    final cl_mem step;    // int (2 + headSize)
    final cl_mem x;       // (hidden) residual stream
    final cl_mem xb;      // (hidden) normed input of a block
    final cl_mem q;       // (queryHeads·keySize)
    final cl_mem att;     // (queryHeads·valueSize)
    final cl_mem hb;      // (mlp) activated MLP hidden
    final cl_mem logits;  // (vocab)
    cl_mem scores;        // (queryHeads, capacity)
    final cl_mem[] keys;   // per layer (capacity, kvHeads·keySize)
    final cl_mem[] values; // per layer (capacity, kvHeads·valueSize)
    int capacity;

    DecodeBuffers(ClDevice device, TransformerConfig config) {
        this.device = device;
        this.config = config;
        AttentionConfig a = config.attention();
        this.capacity = Math.min(config.maxSeqLen(), 16);
        this.keys = new cl_mem[config.layers()];
        this.values = new cl_mem[config.layers()];
        cl_mem[] made = new cl_mem[7];
        try {
            made[0] = floats(2 + a.keySize(), "step");
            made[1] = floats(config.hidden(), "x");
            made[2] = floats(config.hidden(), "xb");
            made[3] = floats(a.queryHeads() * a.keySize(), "q");
            made[4] = floats(a.queryHeads() * a.valueSize(), "att");
            made[5] = floats(config.mlp().size(), "hb");
            made[6] = floats(config.vocabSize(), "logits");
            scores = floats((long) a.queryHeads() * capacity, "attention scores");
            for (int l = 0; l < config.layers(); l++) {
                keys[l] = floats((long) capacity * keyRow(), "layer " + l + " key cache");
                values[l] = floats((long) capacity * valueRow(), "layer " + l + " value cache");
            }
        } catch (RuntimeException e) {
            release(made);
            release(new cl_mem[] {scores});
            release(keys);
            release(values);
            throw e;
        }
        this.step = made[0];
        this.x = made[1];
        this.xb = made[2];
        this.q = made[3];
        this.att = made[4];
        this.hb = made[5];
        this.logits = made[6];
    }

    private int keyRow() {
        return config.attention().kvHeads() * config.attention().keySize();
    }

    private int valueRow() {
        return config.attention().kvHeads() * config.attention().valueSize();
    }

    /**
     * Room for {@code positions} cached positions; returns true when the buffers moved (kernel arguments must be set
     * again). Keeps the first {@code filled} positions.
     */
    boolean ensureCapacity(int positions, int filled) {
        if (positions <= capacity) {
            return false;
        }
        int next = Math.min(config.maxSeqLen(), Math.max(positions, 2 * capacity));
        for (int l = 0; l < keys.length; l++) {
            keys[l] = grow(keys[l], (long) next * keyRow(), (long) filled * keyRow(), "layer " + l + " key cache");
            values[l] = grow(values[l], (long) next * valueRow(), (long) filled * valueRow(),
                    "layer " + l + " value cache");
        }
        CL.clReleaseMemObject(scores);
        scores = floats((long) config.attention().queryHeads() * next, "attention scores");
        capacity = next;
        return true;
    }

    private cl_mem grow(cl_mem old, long floats, long keep, String what) {
        cl_mem bigger = floats(floats, what);
        if (keep > 0) {
            CL.clEnqueueCopyBuffer(device.queue(), old, bigger, 0, 0, keep * Float.BYTES, 0, null, null);
        }
        device.finish("copying the " + what + " into a larger buffer");
        CL.clReleaseMemObject(old);
        return bigger;
    }

    private cl_mem floats(long count, String what) {
        return device.allocate(count * Float.BYTES, "decoder " + what + " (" + count + " floats)");
    }

    @Override
    public void close() {
        release(new cl_mem[] {step, x, xb, q, att, hb, logits, scores});
        release(keys);
        release(values);
    }

    private static void release(cl_mem[] buffers) {
        for (cl_mem m : buffers) {
            if (m != null) {
                CL.clReleaseMemObject(m);
            }
        }
    }
}
