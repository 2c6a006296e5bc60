package io.grow4j.train;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The float32 training pass of a causal decoder (the maths and parts of {@link ReferenceTraining}) over a batch of
 * sequences of equal length: every projection is one matmul over all batch × position rows on the backend, forward
 * and backward, instead of one matvec per token. Attention, norms, biases, activations and positions are
 * row-parallel loops over flat arrays.
 *
 * <pre>
 *   rows = sequences · length;  x [rows, hidden] = emb[token] (+ pos[t])
 *   per layer:  a = norm(x) or x (post-branch);  q, k, v = a·Wqᵀ + bq, a·Wkᵀ + bk, a·Wvᵀ + bv;  qknorm(q, k)
 *               rope(q, k);  x += attention·Woᵀ + bo (normed under post-branch norms)
 *               b = norm(x) (of the block input under parallel residual), or x;
 *               h = silu(b·Wgateᵀ) ⊙ b·Wupᵀ  or  f(b·Wupᵀ + bup);  x += h·Wdownᵀ + bdown (normed likewise)
 *   logits [rows, vocab] = norm(x)·headᵀ;  loss = mean cross-entropy
 * </pre>
 */
public final class TrainingPass {
    private final TransformerConfig config;
    private final KernelBackend backend;

    public TrainingPass(TransformerConfig config, KernelBackend backend) {
        TrainingSupport.check(config);
        this.config = config;
        this.backend = backend;
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

    /**
     * The activations of one layer that its backward reads: each branch's input (normed, or the stream itself under
     * post-branch norms), its input norm (null under post-branch norms) and output norm (OLMo-2's; null under
     * pre-norm); qNorm and kNorm null without QK-norm, gate null for an ungated MLP, z its up projection.
     */
    private record LayerCache(float[] attentionIn, FloatNorm.Normed attentionNorm, FloatNorm.Normed attentionOutNorm,
                              FloatNorm.Normed qNorm, FloatNorm.Normed kNorm, float[] q, float[] k, float[] v,
                              float[] p, float[] o, float[] mlpIn, FloatNorm.Normed mlpNorm,
                              FloatNorm.Normed mlpOutNorm, float[] gate, float[] z, float[] h) {
    }

    private final class Batch {
        private final Parameters params;
        private final int[] tokens;
        private final int length;
        private final int rows;
        private final FloatAttention attention;
        /** Null for learned positions. */
        private final FloatRows.RopeTable ropeTable;
        private final FloatNorm norm;
        private final List<LayerCache> caches = new ArrayList<>();
        private FloatNorm.Normed finalNorm;

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
            this.ropeTable = config.positions() instanceof Positions.Rope
                    ? FloatRows.RopeTable.of(config, length) : null;
            this.norm = new FloatNorm(config.normKind(), rows, config.hidden(), config.normEps());
        }

        /** Whether layer l applies RoPE (not with learned positions, nor in SmolLM3's layers without it). */
        private boolean rotates(int l) {
            return config.positions() instanceof Positions.Rope rope && rope.rotates(l);
        }

        /** The tensor of role in layer l, or null when the config has none (a bias it lacks). */
        private float[] weight(Role role, int l) {
            return role.presentIn(config) ? params.get(role.perLayer() ? TensorKey.of(role, l)
                    : TensorKey.global(role)) : null;
        }

        private float[] gradient(Parameters grads, Role role, int l) {
            return role.presentIn(config) ? grads.get(role.perLayer() ? TensorKey.of(role, l)
                    : TensorKey.global(role)) : null;
        }

        float[] forward() {
            float[] x = embed();
            for (int l = 0; l < config.layers(); l++) {
                caches.add(layerForward(l, x));
            }
            finalNorm = norm.forward(x, weight(Role.FINAL_NORM, -1), weight(Role.FINAL_NORM_BIAS, -1));
            return FloatLinear.forward(backend, finalNorm.y(), params.head(), rows, config.vocabSize(),
                    config.hidden());
        }

        /** x [rows, hidden]: each row's token embedding, plus its position's row for learned positions. */
        private float[] embed() {
            int hidden = config.hidden();
            float[] emb = params.get(Role.TOKEN_EMBEDDING);
            float[] pos = weight(Role.POSITION_EMBEDDING, -1);
            float[] x = new float[rows * hidden];
            for (int row = 0; row < rows; row++) {
                int token = tokens[row];
                if (token < 0 || token >= config.vocabSize()) {
                    throw new IllegalArgumentException("token " + token + " at row " + row + " outside vocabulary "
                            + config.vocabSize());
                }
                System.arraycopy(emb, token * hidden, x, row * hidden, hidden);
                if (pos != null) {
                    int base = (row % length) * hidden;
                    for (int i = 0; i < hidden; i++) {
                        x[row * hidden + i] += pos[base + i];
                    }
                }
            }
            return x;
        }

        /** x·Wᵀ + b for the weight and bias roles of layer l. */
        private float[] linear(float[] x, Role weight, Role bias, int l, int out, int in) {
            float[] y = FloatLinear.forward(backend, x, weight(weight, l), rows, out, in);
            FloatBiases.add(y, weight(bias, l), rows);
            return y;
        }

        /** Adds dyᵀ·x to the weight's gradient and Σ dy to the bias's; returns dx = dy·W. */
        private float[] linearBackward(float[] dy, float[] x, Role weight, Role bias, int l, int out, int in,
                                       Parameters grads) {
            FloatLinear.addWeightGradient(backend, dy, x, gradient(grads, weight, l), rows, out, in);
            FloatBiases.addGradient(dy, gradient(grads, bias, l), rows);
            return FloatLinear.inputGradient(backend, dy, weight(weight, l), rows, out, in);
        }

        /** The input norm of a branch reading x, or null when it reads the raw stream (post-branch norms). */
        private FloatNorm.Normed inputNorm(float[] x, Role gain, Role bias, int l) {
            return config.normPlacement().normsInput() ? norm.forward(x, weight(gain, l), weight(bias, l)) : null;
        }

        /**
         * Adds a branch's output to x, through the norm on it under post-branch norms (OLMo-2: x + norm(f(x)), the
         * gain being the block's one norm of that branch); returns that norm, or null.
         */
        private FloatNorm.Normed addBranch(float[] x, float[] out, Role gain, Role bias, int l) {
            if (!config.normPlacement().normsOutput()) {
                FloatRows.add(x, out);
                return null;
            }
            FloatNorm.Normed normed = norm.forward(out, weight(gain, l), weight(bias, l));
            FloatRows.add(x, normed.y());
            return normed;
        }

        /** The gradient at a branch's output from dy at the residual add: through its output norm, if any. */
        private float[] branchOutputGradient(float[] dy, FloatNorm.Normed outNorm, Role gain, Role bias, int l,
                                             Parameters grads) {
            if (outNorm == null) {
                return dy;
            }
            float[] dOut = new float[dy.length];
            norm.backward(dy, outNorm, weight(gain, l), dOut, gradient(grads, gain, l), gradient(grads, bias, l));
            return dOut;
        }

        /** Adds to dx the gradient at the block's input from din at the branch's input, through its norm if any. */
        private void branchInputBackward(float[] din, FloatNorm.Normed inNorm, Role gain, Role bias, int l, float[] dx,
                                         Parameters grads) {
            if (inNorm == null) {
                FloatRows.add(dx, din);
            } else {
                norm.backward(din, inNorm, weight(gain, l), dx, gradient(grads, gain, l), gradient(grads, bias, l));
            }
        }

        private LayerCache layerForward(int l, float[] x) {
            AttentionConfig att = config.attention();
            int hidden = config.hidden();
            // parallel residual (GPT-NeoX): the MLP reads the block's input, not the stream after attention
            float[] mlpInput = config.architecture().parallelResidual() ? x.clone() : x;
            FloatNorm.Normed an = inputNorm(x, Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l);
            float[] a = an != null ? an.y() : x.clone();
            float[] q = linear(a, Role.WQ, Role.BQ, l, qWidth(), hidden);
            float[] k = linear(a, Role.WK, Role.BK, l, kWidth(), hidden);
            float[] v = linear(a, Role.WV, Role.BV, l, vWidth(), hidden);
            FloatNorm.Normed qNorm = null;
            FloatNorm.Normed kNorm = null;
            if (config.architecture().qkNorm() != Architecture.QkNorm.NONE) {
                qNorm = qkNorm(att.queryHeads()).forward(q, weight(qGain(), l), null);
                kNorm = qkNorm(att.kvHeads()).forward(k, weight(kGain(), l), null);
                q = qNorm.y();
                k = kNorm.y();
            }
            if (rotates(l)) {
                ropeTable.rotate(q, rows, att.queryHeads(), length, 1);
                ropeTable.rotate(k, rows, att.kvHeads(), length, 1);
            }
            float[] p = new float[attention.weightCount()];
            float[] o = attention.forward(q, k, v, p);
            FloatNorm.Normed aon = addBranch(x, linear(o, Role.WO, Role.BO, l, hidden, oWidth()), Role.ATTENTION_NORM,
                    Role.ATTENTION_NORM_BIAS, l);
            FloatNorm.Normed mn = inputNorm(mlpInput, Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
            float[] b = mn != null ? mn.y() : mlpInput.clone();
            int size = config.mlp().size();
            Activation activation = config.mlp().activation();
            float[] z = linear(b, Role.W_UP, Role.B_UP, l, size, hidden);
            float[] gate = activation.gated() ? linear(b, Role.W_GATE, Role.B_GATE, l, size, hidden) : null;
            float[] h = gate != null ? FloatRows.swiglu(gate, z) : FloatActivation.forward(activation, z);
            FloatNorm.Normed mon = addBranch(x, linear(h, Role.W_DOWN, Role.B_DOWN, l, hidden, size), Role.MLP_NORM,
                    Role.MLP_NORM_BIAS, l);
            return new LayerCache(a, an, aon, qNorm, kNorm, q, k, v, p, o, b, mn, mon, gate, z, h);
        }

        /**
         * The QK-norm of a projection of {@code heads} heads: RMSNorm of each head (Qwen3: rows · heads rows of the
         * head size, one gain for all) or of the whole projection (OLMo-2: rows of heads · head size, a gain entry
         * per projection row).
         */
        private FloatNorm qkNorm(int heads) {
            int size = config.attention().keySize();
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD
                    ? new FloatNorm(NormKind.RMS, rows * heads, size, config.normEps())
                    : new FloatNorm(NormKind.RMS, rows, heads * size, config.normEps());
        }

        private Role qGain() {
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD ? Role.Q_HEAD_NORM : Role.Q_NORM;
        }

        private Role kGain() {
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD ? Role.K_HEAD_NORM : Role.K_NORM;
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
            FloatLinear.addWeightGradient(backend, dLogits, finalNorm.y(), dHead, rows, vocab, hidden);
            float[] dNormed = FloatLinear.inputGradient(backend, dLogits, params.head(), rows, vocab, hidden);
            float[] dx = new float[rows * hidden];
            norm.backward(dNormed, finalNorm, weight(Role.FINAL_NORM, -1), dx, gradient(grads, Role.FINAL_NORM, -1),
                    gradient(grads, Role.FINAL_NORM_BIAS, -1));
            for (int l = config.layers() - 1; l >= 0; l--) {
                if (config.architecture().parallelResidual()) {
                    // both branches read the block's input and add to its output: each gets the output's gradient
                    float[] dMlpInput = new float[rows * hidden];
                    mlpBackward(l, caches.get(l), dx, dMlpInput, grads);
                    attentionBackward(l, caches.get(l), dx, grads);
                    FloatRows.add(dx, dMlpInput);
                } else {
                    mlpBackward(l, caches.get(l), dx, dx, grads);
                    attentionBackward(l, caches.get(l), dx, grads);
                }
            }
            embeddingBackward(dx, grads);
        }

        /** dx at the first block's input goes to the rows of the tokens (and positions) that made it. */
        private void embeddingBackward(float[] dx, Parameters grads) {
            int hidden = config.hidden();
            float[] dEmb = grads.get(Role.TOKEN_EMBEDDING);
            for (int row = 0; row < rows; row++) {
                int base = tokens[row] * hidden;
                for (int i = 0; i < hidden; i++) {
                    dEmb[base + i] += dx[row * hidden + i];
                }
            }
            float[] dPos = gradient(grads, Role.POSITION_EMBEDDING, -1);
            if (dPos != null) {
                // one task per position, summing its rows in sequence order: no races, a fixed order
                IntStream.range(0, length).parallel().forEach(t -> {
                    for (int row = t; row < rows; row += length) {
                        for (int i = 0; i < hidden; i++) {
                            dPos[t * hidden + i] += dx[row * hidden + i];
                        }
                    }
                });
            }
        }

        /**
         * dy: gradient at the layer's output; adds the gradient at the MLP block's input to dInput (dy itself for a
         * sequential block, where that input is the stream after attention), after dy has been read.
         */
        private void mlpBackward(int l, LayerCache c, float[] dy, float[] dInput, Parameters grads) {
            int hidden = config.hidden();
            int size = config.mlp().size();
            float[] b = c.mlpIn();
            float[] dOut = branchOutputGradient(dy, c.mlpOutNorm(), Role.MLP_NORM, Role.MLP_NORM_BIAS, l, grads);
            float[] dh = linearBackward(dOut, c.h(), Role.W_DOWN, Role.B_DOWN, l, hidden, size, grads);
            float[] db;
            if (c.gate() == null) {
                float[] dz = FloatActivation.backward(config.mlp().activation(), dh, c.z());
                db = linearBackward(dz, b, Role.W_UP, Role.B_UP, l, size, hidden, grads);
            } else {
                float[] dGate = new float[rows * size];
                float[] dUp = new float[rows * size];
                FloatRows.swigluBackward(dh, c.gate(), c.z(), dGate, dUp);
                db = linearBackward(dGate, b, Role.W_GATE, Role.B_GATE, l, size, hidden, grads);
                FloatRows.add(db, linearBackward(dUp, b, Role.W_UP, Role.B_UP, l, size, hidden, grads));
            }
            branchInputBackward(db, c.mlpNorm(), Role.MLP_NORM, Role.MLP_NORM_BIAS, l, dInput, grads);
        }

        /** dx: gradient at the attention block's output on entry, at the layer's input on return. */
        private void attentionBackward(int l, LayerCache c, float[] dx, Parameters grads) {
            AttentionConfig att = config.attention();
            int hidden = config.hidden();
            float[] dOut = branchOutputGradient(dx, c.attentionOutNorm(), Role.ATTENTION_NORM,
                    Role.ATTENTION_NORM_BIAS, l, grads);
            float[] dO = linearBackward(dOut, c.o(), Role.WO, Role.BO, l, hidden, oWidth(), grads);
            float[] dq = new float[rows * qWidth()];
            float[] dk = new float[rows * kWidth()];
            float[] dv = new float[rows * vWidth()];
            attention.backward(c.q(), c.k(), c.v(), c.p(), dO, dq, dk, dv);
            if (rotates(l)) {
                ropeTable.rotate(dq, rows, att.queryHeads(), length, -1);
                ropeTable.rotate(dk, rows, att.kvHeads(), length, -1);
            }
            if (c.qNorm() != null) {
                dq = qkNormBackward(dq, c.qNorm(), att.queryHeads(), qGain(), l, grads);
                dk = qkNormBackward(dk, c.kNorm(), att.kvHeads(), kGain(), l, grads);
            }
            float[] a = c.attentionIn();
            float[] da = linearBackward(dq, a, Role.WQ, Role.BQ, l, qWidth(), hidden, grads);
            FloatRows.add(da, linearBackward(dk, a, Role.WK, Role.BK, l, kWidth(), hidden, grads));
            FloatRows.add(da, linearBackward(dv, a, Role.WV, Role.BV, l, vWidth(), hidden, grads));
            branchInputBackward(da, c.attentionNorm(), Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l, dx, grads);
        }

        /** The gradient at the QK-norm's input from dy at its output; accumulates the gain's. */
        private float[] qkNormBackward(float[] dy, FloatNorm.Normed saved, int heads, Role gain, int l,
                                       Parameters grads) {
            float[] dx = new float[dy.length];
            qkNorm(heads).backward(dy, saved, weight(gain, l), dx, gradient(grads, gain, l), null);
            return dx;
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
                + (config.mlp().activation().gated() ? 3L : 2L) * config.hidden() * config.mlp().size();
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
