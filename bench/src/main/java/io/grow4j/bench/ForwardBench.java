package io.grow4j.bench;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.forward.ForwardPass;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;

import java.util.List;

/**
 * Tokens per second of the whole forward pass on a random Llama-shaped model: a prefill of {@code prefill} tokens
 * (fed one position at a time, as the decoding session does) and then {@code decode} more tokens.
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
    private Model model;

    public ForwardBench(Shape shape) {
        this.shape = shape;
    }

    /** Prefill and decode throughput on one backend (one measured pass each, after a short warm-up). */
    public List<BenchResult> run(KernelBackend backend) {
        if (model == null) {
            model = RandomModels.create(shape.config(), DType.F32, 1234);
        }
        ForwardPass pass = new ForwardPass(model, backend);
        String size = String.format("Llama %.0fM (h%d, %dL)", shape.parameters() / 1e6, shape.hidden, shape.layers);
        feed(pass.newSession(), 4); // warm-up: JIT, kernel builds, resident weights
        ForwardPass.Session session = pass.newSession();
        long t0 = System.nanoTime();
        feed(session, shape.prefill);
        double prefill = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        feed(session, shape.decode);
        double decode = (System.nanoTime() - t1) / 1e9;
        return List.of(
                BenchResult.tokens("forward-prefill", size + " prefill " + shape.prefill, backend.name(),
                        backend.device(), prefill, shape.prefill),
                BenchResult.tokens("forward-decode", size + " decode " + shape.decode + " at " + shape.prefill,
                        backend.name(), backend.device(), decode, shape.decode));
    }

    private void feed(ForwardPass.Session session, int tokens) {
        int token = 1;
        for (int i = 0; i < tokens; i++) {
            float[] logits = session.next(token);
            token = argmax(logits);
        }
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
