package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The float32 training pass of a llama-style decoder (the maths of {@link ReferenceTraining}) over a batch of
 * sequences of equal length: every projection is one matmul over all batch × position rows on the backend, forward
 * and backward, instead of one matvec per token. Attention, norms and RoPE are row-parallel loops over flat arrays.
 *
 * <pre>
 *   rows = sequences · length;  x [rows, hidden]
 *   per layer:  a = rms(x);  q, k, v = a·Wqᵀ, a·Wkᵀ, a·Wvᵀ;  rope(q, k);  o = attention;  x += o·Woᵀ
 *               b = rms(x);  h = silu(b·Wgateᵀ) ⊙ b·Wupᵀ;  x += h·Wdownᵀ
 *   logits [rows, vocab] = rms(x)·headᵀ;  loss = mean cross-entropy
 * </pre>
 */
public final class TrainingPass {
    private final TransformerConfig config;
    private final KernelBackend backend;
    private final Positions.Rope rope;

    public TrainingPass(TransformerConfig config, KernelBackend backend) {
        TrainingSupport.check(config);
        this.config = config;
        this.backend = backend;
        this.rope = (Positions.Rope) config.positions();
    }

    public TransformerConfig config() {
        return config;
    }

    /** Logits [sequence·length + position][vocab] flattened, for inputs [sequences][length]. */
    public float[] logits(Parameters params, int[][] inputs) {
        return new Batch(params, inputs).forward();
    }

    /** Mean next-token cross-entropy of inputs predicting targets. */
    public double loss(Parameters params, int[][] inputs, int[][] targets) {
        Batch batch = new Batch(params, inputs);
        return batch.crossEntropy(batch.forward(), targets);
    }

    /** The mean loss, with its gradient written into {@code grads} (overwriting it). */
    public double lossAndGradients(Parameters params, int[][] inputs, int[][] targets, Parameters grads) {
        grads.fill(0f);
        Batch batch = new Batch(params, inputs);
        float[] logits = batch.forward();
        double loss = batch.crossEntropy(logits, targets);
        batch.backward(logits, grads);
        return loss;
    }

    /** The activations of one layer that its backward reads. */
    private record LayerCache(float[] xIn, float[] rAtt, float[] a, float[] q, float[] k, float[] v, float[] p,
                              float[] o, float[] xMid, float[] rMlp, float[] b, float[] gate, float[] up,
                              float[] h) {
    }

    private final class Batch {
        private final Parameters params;
        private final int[] tokens;
        private final int length;
        private final int rows;
        private final FloatAttention attention;
        private final FloatRows.RopeTable ropeTable;
        private final List<LayerCache> caches = new ArrayList<>();
        private float[] xFinal;
        private float[] rFinal;
        private float[] normed;

        Batch(Parameters params, int[][] inputs) {
            if (!params.config().equals(config)) {
                throw new IllegalArgumentException("parameters are of another config than this training pass");
            }
            this.params = params;
            this.length = inputs[0].length;
            this.rows = inputs.length * length;
            if (length > config.maxSeqLen()) {
                throw new IllegalArgumentException("sequence length " + length + " exceeds the model's maximum "
                        + config.maxSeqLen());
            }
            this.tokens = new int[rows];
            for (int s = 0; s < inputs.length; s++) {
                if (inputs[s].length != length) {
                    throw new IllegalArgumentException("sequence " + s + " has " + inputs[s].length
                            + " tokens, the first has " + length);
                }
                System.arraycopy(inputs[s], 0, tokens, s * length, length);
            }
            this.attention = new FloatAttention(config.attention(), inputs.length, length);
            this.ropeTable = FloatRows.RopeTable.of(rope, config.attention().keySize(), length);
        }

        float[] forward() {
            int hidden = config.hidden();
            float[] emb = params.get(Role.TOKEN_EMBEDDING);
            float[] x = new float[rows * hidden];
            for (int row = 0; row < rows; row++) {
                int token = tokens[row];
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException("token " + token + " at row " + row + " outside vocabulary "
                            + config.vocabSize());
                }
                System.arraycopy(emb, token * hidden, x, row * hidden, hidden);
            }
            for (int l = 0; l < config.layers(); l++) {
                caches.add(layerForward(l, x));
            }
            xFinal = x;
            rFinal = new float[rows];
            normed = FloatRows.rmsForward(x, params.get(Role.FINAL_NORM), rFinal, rows, hidden, config.normEps());
            return FloatLinear.forward(backend, normed, params.head(), rows, config.vocabSize(), hidden);
        }

        private LayerCache layerForward(int l, float[] x) {
            AttentionConfig att = config.attention();
            int hidden = config.hidden();
            int size = config.mlp().size();
            float[] xIn = x.clone();
            float[] rAtt = new float[rows];
            float[] a = FloatRows.rmsForward(x, params.get(Role.ATTENTION_NORM, l), rAtt, rows, hidden,
                    config.normEps());
            float[] q = FloatLinear.forward(backend, a, params.get(Role.WQ, l), rows, qWidth(), hidden);
            float[] k = FloatLinear.forward(backend, a, params.get(Role.WK, l), rows, kWidth(), hidden);
            float[] v = FloatLinear.forward(backend, a, params.get(Role.WV, l), rows, vWidth(), hidden);
            ropeTable.rotate(q, rows, att.queryHeads(), length, 1);
            ropeTable.rotate(k, rows, att.kvHeads(), length, 1);
            float[] p = new float[attention.weightCount()];
            float[] o = attention.forward(q, k, v, p);
            FloatRows.add(x, FloatLinear.forward(backend, o, params.get(Role.WO, l), rows, hidden, oWidth()));
            float[] xMid = x.clone();
            float[] rMlp = new float[rows];
            float[] b = FloatRows.rmsForward(x, params.get(Role.MLP_NORM, l), rMlp, rows, hidden, config.normEps());
            float[] gate = FloatLinear.forward(backend, b, params.get(Role.W_GATE, l), rows, size, hidden);
            float[] up = FloatLinear.forward(backend, b, params.get(Role.W_UP, l), rows, size, hidden);
            float[] h = FloatRows.swiglu(gate, up);
            FloatRows.add(x, FloatLinear.forward(backend, h, params.get(Role.W_DOWN, l), rows, hidden, size));
            return new LayerCache(xIn, rAtt, a, q, k, v, p, o, xMid, rMlp, b, gate, up, h);
        }

        /** Mean loss; turns logits into their gradient (softmax − one-hot)/rows in place. */
        double crossEntropy(float[] logits, int[][] targets) {
            int vocab = config.vocabSize();
            double[] losses = new double[rows];
            IntStream.range(0, rows).parallel().forEach(row -> {
                int target = targets[row / length][row % length];
                int base = row * vocab;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < vocab; i++) {
                    max = Math.max(max, logits[base + i]);
                }
                double sum = 0;
                for (int i = 0; i < vocab; i++) {
                    sum += Math.exp(logits[base + i] - max);
                }
                double logSum = max + Math.log(sum);
                losses[row] = logSum - logits[base + target];
                for (int i = 0; i < vocab; i++) {
                    logits[base + i] = (float) (Math.exp(logits[base + i] - logSum) / rows);
                }
                logits[base + target] -= 1.0f / rows;
            });
            double total = 0;
            for (double loss : losses) {
                total += loss;
            }
            return total / rows;
        }

        void backward(float[] dLogits, Parameters grads) {
            int hidden = config.hidden();
            int vocab = config.vocabSize();
            float[] dHead = config.tiedEmbeddings() ? grads.get(Role.TOKEN_EMBEDDING) : grads.get(Role.OUTPUT);
            FloatLinear.addWeightGradient(backend, dLogits, normed, dHead, rows, vocab, hidden);
            float[] dNormed = FloatLinear.inputGradient(backend, dLogits, params.head(), rows, vocab, hidden);
            float[] dx = new float[rows * hidden];
            FloatRows.rmsBackward(dNormed, xFinal, params.get(Role.FINAL_NORM), rFinal, dx,
                    grads.get(Role.FINAL_NORM), rows, hidden);
            for (int l = config.layers() - 1; l >= 0; l--) {
                mlpBackward(l, caches.get(l), dx, grads);
                attentionBackward(l, caches.get(l), dx, grads);
            }
            float[] dEmb = grads.get(Role.TOKEN_EMBEDDING);
            for (int row = 0; row < rows; row++) {
                int base = tokens[row] * hidden;
                for (int i = 0; i < hidden; i++) {
                    dEmb[base + i] += dx[row * hidden + i];
                }
            }
        }

        /** dx: gradient at the layer's output on entry, at the MLP block's input on return. */
        private void mlpBackward(int l, LayerCache c, float[] dx, Parameters grads) {
            int hidden = config.hidden();
            int size = config.mlp().size();
            FloatLinear.addWeightGradient(backend, dx, c.h(), grads.get(Role.W_DOWN, l), rows, hidden, size);
            float[] dh = FloatLinear.inputGradient(backend, dx, params.get(Role.W_DOWN, l), rows, hidden, size);
            float[] dGate = new float[rows * size];
            float[] dUp = new float[rows * size];
            FloatRows.swigluBackward(dh, c.gate(), c.up(), dGate, dUp);
            FloatLinear.addWeightGradient(backend, dGate, c.b(), grads.get(Role.W_GATE, l), rows, size, hidden);
            FloatLinear.addWeightGradient(backend, dUp, c.b(), grads.get(Role.W_UP, l), rows, size, hidden);
            float[] db = FloatLinear.inputGradient(backend, dGate, params.get(Role.W_GATE, l), rows, size, hidden);
            FloatRows.add(db, FloatLinear.inputGradient(backend, dUp, params.get(Role.W_UP, l), rows, size, hidden));
            FloatRows.rmsBackward(db, c.xMid(), params.get(Role.MLP_NORM, l), c.rMlp(), dx,
                    grads.get(Role.MLP_NORM, l), rows, hidden);
        }

        /** dx: gradient at the attention block's output on entry, at the layer's input on return. */
        private void attentionBackward(int l, LayerCache c, float[] dx, Parameters grads) {
            AttentionConfig att = config.attention();
            int hidden = config.hidden();
            FloatLinear.addWeightGradient(backend, dx, c.o(), grads.get(Role.WO, l), rows, hidden, oWidth());
            float[] dO = FloatLinear.inputGradient(backend, dx, params.get(Role.WO, l), rows, hidden, oWidth());
            float[] dq = new float[rows * qWidth()];
            float[] dk = new float[rows * kWidth()];
            float[] dv = new float[rows * vWidth()];
            attention.backward(c.q(), c.k(), c.v(), c.p(), dO, dq, dk, dv);
            ropeTable.rotate(dq, rows, att.queryHeads(), length, -1);
            ropeTable.rotate(dk, rows, att.kvHeads(), length, -1);
            FloatLinear.addWeightGradient(backend, dq, c.a(), grads.get(Role.WQ, l), rows, qWidth(), hidden);
            FloatLinear.addWeightGradient(backend, dk, c.a(), grads.get(Role.WK, l), rows, kWidth(), hidden);
            FloatLinear.addWeightGradient(backend, dv, c.a(), grads.get(Role.WV, l), rows, vWidth(), hidden);
            float[] da = FloatLinear.inputGradient(backend, dq, params.get(Role.WQ, l), rows, qWidth(), hidden);
            FloatRows.add(da, FloatLinear.inputGradient(backend, dk, params.get(Role.WK, l), rows, kWidth(), hidden));
            FloatRows.add(da, FloatLinear.inputGradient(backend, dv, params.get(Role.WV, l), rows, vWidth(), hidden));
            FloatRows.rmsBackward(da, c.xIn(), params.get(Role.ATTENTION_NORM, l), c.rAtt(), dx,
                    grads.get(Role.ATTENTION_NORM, l), rows, hidden);
        }
    }

    private int qWidth() {
        return config.attention().queryHeads() * config.attention().keySize();
    }

    private int kWidth() {
        return config.attention().kvHeads() * config.attention().keySize();
    }

    private int vWidth() {
        return config.attention().kvHeads() * config.attention().valueSize();
    }

    private int oWidth() {
        return config.attention().queryHeads() * config.attention().valueSize();
    }

    /** Forward multiply-adds per token ×2 (FLOPs) of the projections and head, for throughput figures. */
    public long matmulFlopsPerToken() {
        long perLayer = (long) config.hidden() * (qWidth() + kWidth() + vWidth() + oWidth())
                + 3L * config.hidden() * config.mlp().size();
        return 2 * (perLayer * config.layers() + (long) config.hidden() * config.vocabSize());
    }

    /**
     * Forward FLOPs per token of causal attention over windows of {@code context}: the q·k scores and the weighted
     * sum of values, 2 · (query width + value width) per key, over (context + 1) / 2 keys on average (Kaplan et
     * al. 2020, table 1, counts 2 · layers · context · width per token for a full window; causal halves it).
     */
    public double attentionFlopsPerToken(int context) {
        return 2.0 * config.layers() * (qWidth() + oWidth()) * (context + 1) / 2.0;
    }

}
