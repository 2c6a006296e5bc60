package io.grow4j.kernels.opencl;

import io.grow4j.kernels.forward.DecodingSession;
import io.grow4j.kernels.forward.Inputs;
import io.grow4j.model.Positions;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.TransformerConfig;
import org.jocl.CLException;
import org.jocl.Pointer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sequence decoded on the device: its position, activations and key/value cache live in device memory; each
 * token costs one small write (token, position, RoPE table), the plan's launches, and one read of the logits.
 * Every step owns its kernel object, so arguments are set when the session starts (and again when the cache grows),
 * never per token. Not thread-safe.
 */
public final class DeviceDecodingSession implements DecodingSession, AutoCloseable {
    private final DeviceForwardPass pass;
    private final TransformerConfig config;
    private final ClDevice device;
    private final List<DeviceForwardPass.Binding> bindings;
    private final List<ClKernel> kernels = new ArrayList<>();
    private final DecodeBuffers buffers;
    private final int[] stepData;
    /** The rotary frequencies of a RoPE model (host-side tables per step), else null. */
    private final RopeFrequencies frequencies;
    private int position;
    private boolean closed;

    DeviceDecodingSession(DeviceForwardPass pass, DecodeProgram program, List<DeviceForwardPass.Binding> bindings) {
        this.pass = pass;
        this.config = pass.config();
        this.device = program.device();
        this.bindings = bindings;
        this.buffers = new DecodeBuffers(device, config);
        this.stepData = new int[2 + config.attention().keySize()];
        this.frequencies = config.positions() instanceof Positions.Rope ? RopeFrequencies.of(config) : null;
        try {
            for (DeviceForwardPass.Binding b : bindings) {
                kernels.add(program.kernel(b.step().kernel()));
            }
            bind();
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    private void bind() {
        for (int i = 0; i < bindings.size(); i++) {
            kernels.get(i).args(bindings.get(i).args().apply(buffers));
        }
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int maxSeqLen() {
        return config.maxSeqLen();
    }

    @Override
    public double[] nextLogits(int token) {
        float[] f = next(token);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** Feeds {@code token} at the next position and returns the logits there (a fresh array of vocab entries). */
    public float[] next(int token) {
        start(token);
        for (int i = 0; i < bindings.size(); i++) {
            launch(i);
        }
        return finish();
    }

    /**
     * Like {@link #next} with the queue drained after every step: seconds per plan step, in plan order (a profile, not
     * a measure of throughput: draining removes the overlap of host and device).
     */
    public Map<String, Double> profileNext(int token) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        start(token);
        for (int i = 0; i < bindings.size(); i++) {
            long t0 = System.nanoTime();
            launch(i);
            device.finish(bindings.get(i).step().name());
            seconds.put(bindings.get(i).step().name(), (System.nanoTime() - t0) / 1e9);
        }
        finish();
        return seconds;
    }

    private void start(int token) {
        if (closed) {
            throw new IllegalStateException("decoding session was closed");
        }
        Inputs.checkToken(token, position, config);
        if (buffers.ensureCapacity(position + 1, position)) {
            bind();
        }
        stepData[0] = token;
        stepData[1] = position;
        if (frequencies != null) {
            int pairs = frequencies.pairs();
            float[][] table = RopeTables.cosSin(frequencies, position);
            for (int i = 0; i < pairs; i++) {
                stepData[2 + i] = Float.floatToRawIntBits(table[0][i]);
                stepData[2 + pairs + i] = Float.floatToRawIntBits(table[1][i]);
            }
        }
        device.write(buffers.step, 0, (long) stepData.length * Integer.BYTES, Pointer.to(stepData));
    }

    private void launch(int i) {
        DecodePlan.Step step = bindings.get(i).step();
        kernels.get(i).launch(step.global(), step.local());
    }

    private float[] finish() {
        float[] logits = new float[config.vocabSize()];
        try {
            device.read(buffers.logits, 0, (long) logits.length * Float.BYTES, Pointer.to(logits));
        } catch (CLException e) {
            throw new OpenClException("decoding position " + position + " failed on " + device.info().describe()
                    + ": " + e.getMessage(), e);
        }
        position++;
        return logits;
    }

    /** Frees this session's device memory (the pass's close does it for every session still open). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release();
            pass.closed(this);
        }
    }

    private void release() {
        kernels.forEach(ClKernel::release);
        kernels.clear();
        buffers.close();
    }
}
