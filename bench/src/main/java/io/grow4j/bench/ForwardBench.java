package io.grow4j.bench;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.kernels.opencl.DeviceDecodingSession;
import io.grow4j.kernels.opencl.DeviceForwardPass;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Tokens per second of the whole forward pass on a random Llama-shaped model: a prefill of {@code prefill} tokens
 * (fed one position at a time, as the decoding session does) and then {@code decode} more tokens, each the argmax of
 * the previous logits. Runs {@link ForwardPass} on any backend, or the device-resident {@link DeviceForwardPass}.
 */
public final class ForwardBench {

    /** Model size and token counts. */
    public enum Shape {
        /** hidden 768, 12 layers of 12 heads × 64, MLP 2048, vocab 32000, tied: about 110 M parameters. */
        LLAMA_110M(768, 12, 12, 2048, 32000, 128, 32),
        /** hidden 256, 4 layers of 4 heads × 64, MLP 688, vocab 8192, tied: about 5 M parameters. */
        LLAMA_SMALL(256, 4, 4, 688, 8192, 32, 16);

        final int hidden;
        final int layers;
        final int heads;
        final int mlp;
        final int vocab;
        final int prefill;
        final int decode;

        Shape(int hidden, int layers, int heads, int mlp, int vocab, int prefill, int decode) {
            this.hidden = hidden;
            this.layers = layers;
            this.heads = heads;
            this.mlp = mlp;
            this.vocab = vocab;
            this.prefill = prefill;
            this.decode = decode;
        }

        TransformerConfig config() {
            return new TransformerConfig(Architecture.LLAMA, vocab, hidden, layers, prefill + decode,
                    new AttentionConfig(heads, heads, hidden / heads, hidden / heads, false),
                    new MlpConfig(mlp, Activation.SWIGLU, false), 1e-5, new Positions.Rope(10000, RopeLayout.HALF_SPLIT),
                    true);
        }

        long parameters() {
            long perLayer = 4L * hidden * hidden + 3L * hidden * mlp + 2L * hidden;
            return layers * perLayer + (long) vocab * hidden + hidden;
        }
    }

    private final Shape shape;
    private final int repeats;
    private final DType dtype;
    private Model model;

    /** One measured pass per backend (the figures BENCHMARKS.md had before repeats). */
    public ForwardBench(Shape shape) {
        this(shape, 1);
    }

    /** F32 weights; the median of {@code repeats} measured passes (fresh session each), after a short warm-up. */
    public ForwardBench(Shape shape, int repeats) {
        this(shape, repeats, DType.F32);
    }

    /** Weights stored in {@code dtype} (F32, F16 or BF16: read in place by the cpu backend, copied by others). */
    public ForwardBench(Shape shape, int repeats, DType dtype) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        this.shape = shape;
        this.repeats = repeats;
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** Prefill and decode throughput of {@link ForwardPass} on one backend. */
    public List<BenchResult> run(KernelBackend backend) {
        ForwardPass pass = new ForwardPass(model(), backend);
        return measure(backend.name(), backend.device(), () -> pass.newSession()::next);
    }

    /**
     * Scoring a whole sequence as {@code verify} does ({@link ForwardPass#logits(int[][])}: every projection one
     * matrix–matrix product over the {@code prefill} positions), as GFLOP/s (see {@link #prefillFlops}) with its
     * tokens/s; kernel {@code forward-prefill-batched}. The median of the repeats, after one warm-up pass.
     */
    public BenchResult batchedPrefill(KernelBackend backend) {
        ForwardPass pass = new ForwardPass(model(), backend);
        prefillSeconds(pass);
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            seconds[r] = prefillSeconds(pass);
        }
        double median = median(seconds);
        return new BenchResult("forward-prefill-batched", size() + " " + shape.prefill + " positions", backend.name(),
                backend.device(), median, prefillFlops() / median / 1e9, null, shape.prefill / median);
    }

    /** Seconds of one batched prefill of the {@code prefill} positions on {@code pass} (one sequence). */
    double prefillSeconds(ForwardPass pass) {
        int[][] batch = {new int[shape.prefill]};
        for (int t = 0; t < shape.prefill; t++) {
            batch[0][t] = 1 + (int) ((t * 7919L) % (shape.vocab - 1));
        }
        long t0 = System.nanoTime();
        pass.logits(batch);
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Floating-point operations of one batched prefill: 2 per weight of every projection and of the output head per
     * position, plus attention's 4 per key dimension per cached position (scores and the weighted sum of values);
     * norms, RoPE and activations are left out (linear in the hidden size).
     */
    public double prefillFlops() {
        double projections = shape.parameters() - (double) shape.vocab * shape.hidden // embedding lookup: no flops
                - (2.0 * shape.layers + 1) * shape.hidden                            // gains
                + (double) shape.vocab * shape.hidden;                               // the tied output head
        double cached = shape.prefill * (shape.prefill + 1) / 2.0;
        return 2 * projections * shape.prefill + 4.0 * shape.layers * shape.hidden * cached;
    }

    /**
     * Prefill and decode throughput of the device-resident {@link DeviceForwardPass} (weights, activations and the
     * key/value cache on the OpenCL device; only logits come back), reported as backend {@code opencl-resident}.
     */
    public List<BenchResult> runResident(DeviceProfile profile) {
        try (DeviceForwardPass pass = DeviceForwardPass.open(model(), profile)) {
            return measure("opencl-resident", pass.device(), () -> {
                DeviceDecodingSession session = pass.newSession();
                return token -> {
                    float[] logits = session.next(token);
                    if (session.position() == shape.prefill + shape.decode) {
                        session.close();
                    }
                    return logits;
                };
            });
        }
    }

    /**
     * Weight bytes one decoding step reads: every tensor once (the tied embedding as the output head), except an
     * untied token embedding, of which only the token's row is read. Key/value cache reads are not weights.
     */
    public long weightBytesPerToken() {
        return weightBytesPerToken(model());
    }

    static long weightBytesPerToken(Model model) {
        long bytes = model.tensors().values().stream().mapToLong(Tensor::byteSize).sum();
        if (!model.config().tiedEmbeddings()) {
            Tensor embedding = model.tensor(Role.TOKEN_EMBEDDING);
            bytes -= embedding.byteSize() - embedding.byteSize() / model.config().vocabSize();
        }
        return bytes;
    }

    Model model() {
        if (model == null) {
            model = RandomModels.create(shape.config(), dtype, 1234);
        }
        return model;
    }

    private List<BenchResult> measure(String backend, String device, Supplier<IntFunction<float[]>> sessions) {
        String size = size();
        feed(sessions.get(), 4); // warm-up: JIT, kernel builds, resident weights
        double[] prefill = new double[repeats];
        double[] decode = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            IntFunction<float[]> session = sessions.get();
            long t0 = System.nanoTime();
            int token = feed(session, shape.prefill);
            prefill[r] = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            feedFrom(session, token, shape.decode);
            decode[r] = (System.nanoTime() - t1) / 1e9;
        }
        return List.of(
                BenchResult.tokens("forward-prefill", size + " prefill " + shape.prefill, backend, device,
                        median(prefill), shape.prefill),
                BenchResult.tokens("forward-decode", size + " decode " + shape.decode + " at " + shape.prefill,
                        backend, device, median(decode), shape.decode));
    }

    String size() {
        return String.format(java.util.Locale.ROOT, "Llama %.0fM %s (h%d, %dL)", shape.parameters() / 1e6,
                dtype.name().toLowerCase(java.util.Locale.ROOT), shape.hidden, shape.layers);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static int feed(IntFunction<float[]> session, int tokens) {
        return feedFrom(session, 1, tokens);
    }

    /** Feeds {@code tokens} tokens starting with {@code token}, each next one the argmax; returns the next token. */
    static int feedFrom(IntFunction<float[]> session, int token, int tokens) {
        for (int i = 0; i < tokens; i++) {
            token = argmax(session.apply(token));
        }
        return token;
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }
}
