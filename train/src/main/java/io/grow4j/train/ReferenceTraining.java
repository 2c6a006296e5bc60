package io.grow4j.train;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exactness oracle of training: loss and every parameter's gradient of a causal decoder in double precision,
 * one position vector at a time, sums in index order. Tests check it against finite differences and check the fast
 * float32 pass ({@link TrainingPass}) against it, so it stays plain. The block's parts are the config's
 * ({@link TrainingSupport} lists those it has): RMSNorm or LayerNorm before each branch or, OLMo-2's, on each
 * branch's output; RoPE (either layout, scaled angles, yarn's attention factor, partial rotary, layers without it)
 * or learned positions; biases where the config has them; QK-norm per head (Qwen3) or over the whole projection
 * (OLMo-2); SwiGLU or an ungated GELU/gelu_new/ReLU MLP; sequential or parallel residual (GPT-NeoX); tied or
 * untied head.
 *
 * <pre>
 *   x = emb[token] (+ pos[t] for learned positions)
 *   per layer:  a = norm(x) (pre-norm) or x (post-branch);  q, k, v = Wq·a + bq, Wk·a + bk, Wv·a + bv
 *               q, k = rms(q), rms(k) per head or over the whole projection (QK-norm)
 *               q, k = f·rope(q), f·rope(k) (RoPE only; f the attention factor, 1 but for yarn)
 *               y = Wo · softmax(q·kᵀ/√d, causal) · v + bo    (query head h reads kv group h / (Hq/Hkv))
 *               x += y, or norm(y) under post-branch norms
 *               b = norm(x) (or norm of the block input under parallel residual);
 *               x += Wdown · (silu(Wgate·b) ⊙ Wup·b) + bdown,  or Wdown · f(Wup·b + bup) + bdown (normed likewise)
 *   logits = head · norm(x);   loss = mean over positions of −log softmax(logits)[target]
 * </pre>
 *
 * Backward rules used: norms as in {@link ReferenceNorm}; softmax gives ds = p⊙(dp − p·dp);
 * silu'(z) = σ(z)(1 + z(1 − σ(z))); other activations as in {@link ActivationGradients}; a bias's gradient is the
 * output's; RoPE at position t is f·R(t), so its backward is f·R(−t); a learned position row gets its position's dx;
 * under parallel residual both branches get the block output's gradient and add theirs at its input.
 */
public final class ReferenceTraining {
    private final TransformerConfig config;
    /** The rotary angles and attention factor of a RoPE config; null for learned positions. */
    private final RopeFrequencies frequencies;

    public ReferenceTraining(TransformerConfig config) {
        TrainingSupport.check(config);
        this.config = config;
        this.frequencies = config.positions() instanceof Positions.Rope ? RopeFrequencies.of(config) : null;
    }

    /** Loss, logits [sequence][position][vocab] and, when asked for, gradients keyed like the weights. */
    public record Result(double loss, double[][][] logits, Map<TensorKey, double[]> gradients) {
    }

    /** Every tensor of the model as double, keyed like {@link Model#expectedKeys}. */
    public static Map<TensorKey, double[]> weightsOf(Model model) {
        Map<TensorKey, double[]> w = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(model.config())) {
            w.put(key, model.tensor(key).toDoubleArray());
        }
        return w;
    }

    /**
     * Mean next-token cross-entropy of {@code inputs[s][t]} predicting {@code targets[s][t]} over all sequences and
     * positions; gradients of that mean when {@code gradients} is true (else the result's map is null).
     */
    public Result run(Map<TensorKey, double[]> weights, int[][] inputs, int[][] targets, boolean gradients) {
        int count = 0;
        for (int[] in : inputs) {
            count += in.length;
        }
        Map<TensorKey, double[]> grads = null;
        if (gradients) {
            grads = new LinkedHashMap<>();
            for (TensorKey key : Model.expectedKeys(config)) {
                grads.put(key, new double[Math.toIntExact(Tensor.elementCount(key.role().shape(config)))]);
            }
        }
        double total = 0;
        double[][][] logits = new double[inputs.length][][];
        for (int s = 0; s < inputs.length; s++) {
            Sequence seq = new Sequence(weights, grads, inputs[s]);
            total += seq.forward(targets[s]);
            logits[s] = seq.logits;
            if (gradients) {
                seq.backward(targets[s], count);
            }
        }
        return new Result(total / count, logits, grads);
    }

    /**
     * Activations of one layer's attention block kept for its backward: in the branch's input (the normed stream,
     * or the stream itself under post-branch norms), norm its input norm's rows (null under post-branch norms),
     * outNorm the rows of the norm on its output (OLMo-2; null under pre-norm); qNorm and kNorm [position][part]
     * are the QK-norms (one part per head for Qwen3, one for the whole projection for OLMo-2), null without.
     */
    private record AttentionCache(double[][] in, ReferenceNorm.Row[] norm, ReferenceNorm.Row[] outNorm,
                                  ReferenceNorm.Row[][] qNorm, ReferenceNorm.Row[][] kNorm,
                                  double[][] q, double[][] k, double[][] v, double[][][] p, double[][] o) {
    }

    /**
     * Activations of one layer's MLP block: in, norm and outNorm as for attention, z the up projection
     * (pre-activation), gate null when ungated.
     */
    private record MlpCache(double[][] in, ReferenceNorm.Row[] norm, ReferenceNorm.Row[] outNorm, double[][] gate,
                            double[][] z, double[][] h) {
    }

    private final class Sequence {
        private final Map<TensorKey, double[]> w;
        private final Map<TensorKey, double[]> g;
        private final int[] tokens;
        private final int n;
        private final List<AttentionCache> attentionCaches = new ArrayList<>();
        private final List<MlpCache> mlpCaches = new ArrayList<>();
        private ReferenceNorm.Row[] finalNorm;
        private double[][] logits;

        Sequence(Map<TensorKey, double[]> w, Map<TensorKey, double[]> g, int[] tokens) {
            this.w = w;
            this.g = g;
            this.tokens = tokens;
            this.n = tokens.length;
        }

        private TensorKey key(Role role, int layer) {
            return role.perLayer() ? TensorKey.of(role, layer) : TensorKey.global(role);
        }

        /** The weight, or null when the config has no such tensor (a bias it lacks). */
        private double[] w(Role role, int layer) {
            return role.presentIn(config) ? w.get(key(role, layer)) : null;
        }

        private double[] g(Role role, int layer) {
            return role.presentIn(config) ? g.get(key(role, layer)) : null;
        }

        private Role headRole() {
            return config.tiedEmbeddings() ? Role.TOKEN_EMBEDDING : Role.OUTPUT;
        }

        /** Summed (not mean) loss of this sequence. */
        double forward(int[] targets) {
            int hidden = config.hidden();
            double[][] x = new double[n][hidden];
            double[] emb = w(Role.TOKEN_EMBEDDING, -1);
            double[] pos = w(Role.POSITION_EMBEDDING, -1);
            for (int t = 0; t < n; t++) {
                System.arraycopy(emb, tokens[t] * hidden, x[t], 0, hidden);
                if (pos != null) {
                    for (int i = 0; i < hidden; i++) {
                        x[t][i] += pos[t * hidden + i];
                    }
                }
            }
            for (int l = 0; l < config.layers(); l++) {
                // parallel residual (GPT-NeoX): the MLP reads the block's input, not the stream after attention
                double[][] mlpInput = config.architecture().parallelResidual() ? copy(x) : x;
                attentionCaches.add(attentionForward(l, x));
                mlpCaches.add(mlpForward(l, mlpInput, x));
            }
            finalNorm = norm(x, Role.FINAL_NORM, Role.FINAL_NORM_BIAS, -1);
            logits = new double[n][];
            double loss = 0;
            for (int t = 0; t < n; t++) {
                logits[t] = matvec(w(headRole(), -1), finalNorm[t].y(), config.vocabSize());
                loss += logSumExp(logits[t]) - logits[t][targets[t]];
            }
            return loss;
        }

        private ReferenceNorm.Row[] norm(double[][] x, Role gain, Role bias, int l) {
            ReferenceNorm.Row[] rows = new ReferenceNorm.Row[n];
            for (int t = 0; t < n; t++) {
                rows[t] = ReferenceNorm.forward(config.normKind(), x[t], w(gain, l), w(bias, l), config.normEps());
            }
            return rows;
        }

        /** W·x + b (b when the config has it). */
        private double[] linear(Role weight, Role bias, int l, double[] x, int rows) {
            double[] y = matvec(w(weight, l), x, rows);
            double[] b = w(bias, l);
            if (b != null) {
                addInPlace(y, b);
            }
            return y;
        }

        /** The norm rows of a branch's input, or null when the branch reads the raw stream (post-branch norms). */
        private ReferenceNorm.Row[] inputNorm(double[][] x, Role gain, Role bias, int l) {
            return config.normPlacement().normsInput() ? norm(x, gain, bias, l) : null;
        }

        /** What the branch reads at each position: its input norm's output, or a copy of the stream. */
        private double[][] branchInput(double[][] x, ReferenceNorm.Row[] norm) {
            double[][] in = new double[n][];
            for (int t = 0; t < n; t++) {
                in[t] = norm != null ? norm[t].y() : x[t].clone();
            }
            return in;
        }

        /**
         * Adds the branch's output at position t to x, through the norm on the output under post-branch norms
         * (OLMo-2: x + norm(f(x)), whose gain is the block's one norm of that branch); returns that norm's row.
         */
        private ReferenceNorm.Row addBranch(double[] x, double[] out, Role gain, Role bias, int l) {
            if (!config.normPlacement().normsOutput()) {
                addInPlace(x, out);
                return null;
            }
            ReferenceNorm.Row row = ReferenceNorm.forward(config.normKind(), out, w(gain, l), w(bias, l),
                    config.normEps());
            addInPlace(x, row.y());
            return row;
        }

        /** The gradient at a branch's output from dy at the residual add: through its output norm, if any. */
        private double[] branchOutputGradient(double[] dy, ReferenceNorm.Row outNorm, Role gain, Role bias, int l) {
            return outNorm == null ? dy
                    : ReferenceNorm.backward(config.normKind(), dy, outNorm, w(gain, l), g(gain, l), g(bias, l));
        }

        /** Adds to dx the gradient at the block's input from din at the branch's input, through its norm if any. */
        private void branchInputBackward(double[][] din, ReferenceNorm.Row[] norm, Role gain, Role bias, int l,
                                         double[][] dx) {
            if (norm != null) {
                normBackward(din, norm, gain, bias, l, dx);
                return;
            }
            for (int t = 0; t < n; t++) {
                addInPlace(dx[t], din[t]);
            }
        }

        /** Adds the attention block's output to x; returns what its backward needs. */
        private AttentionCache attentionForward(int l, double[][] x) {
            AttentionConfig att = config.attention();
            ReferenceNorm.Row[] norm = inputNorm(x, Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l);
            double[][] in = branchInput(x, norm);
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            boolean qkNorm = config.architecture().qkNorm() != Architecture.QkNorm.NONE;
            ReferenceNorm.Row[][] qNorm = qkNorm ? new ReferenceNorm.Row[n][] : null;
            ReferenceNorm.Row[][] kNorm = qkNorm ? new ReferenceNorm.Row[n][] : null;
            for (int t = 0; t < n; t++) {
                double[] a = in[t];
                q[t] = linear(Role.WQ, Role.BQ, l, a, att.queryHeads() * att.keySize());
                k[t] = linear(Role.WK, Role.BK, l, a, att.kvHeads() * att.keySize());
                v[t] = linear(Role.WV, Role.BV, l, a, att.kvHeads() * att.valueSize());
                if (qkNorm) {
                    qNorm[t] = qkNorm(q[t], qGain(), l);
                    kNorm[t] = qkNorm(k[t], kGain(), l);
                }
                rotate(q[t], att.queryHeads(), t, l, 1);
                rotate(k[t], att.kvHeads(), t, l, 1);
            }
            double[][][] p = new double[att.queryHeads()][n][n];
            double[][] o = attention(q, k, v, p);
            ReferenceNorm.Row[] outNorm = new ReferenceNorm.Row[n];
            for (int t = 0; t < n; t++) {
                outNorm[t] = addBranch(x[t], linear(Role.WO, Role.BO, l, o[t], config.hidden()),
                        Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l);
            }
            return new AttentionCache(in, norm, outNorm, qNorm, kNorm, q, k, v, p, o);
        }

        private Role qGain() {
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD ? Role.Q_HEAD_NORM : Role.Q_NORM;
        }

        private Role kGain() {
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD ? Role.K_HEAD_NORM : Role.K_NORM;
        }

        /** The span one QK-norm covers: a head (Qwen3's per-head norm) or the whole projection (OLMo-2's). */
        private int qkNormSize(double[] vec) {
            return config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD ? config.attention().keySize()
                    : vec.length;
        }

        /**
         * RMSNorm of vec in place over each span of {@link #qkNormSize} with the gain of role l (one gain for all
         * heads per head, one entry per projection row for the whole projection); returns each span's row.
         */
        private ReferenceNorm.Row[] qkNorm(double[] vec, Role gain, int l) {
            int size = qkNormSize(vec);
            ReferenceNorm.Row[] rows = new ReferenceNorm.Row[vec.length / size];
            for (int h = 0; h < rows.length; h++) {
                rows[h] = ReferenceNorm.forward(NormKind.RMS, Arrays.copyOfRange(vec, h * size, (h + 1) * size),
                        w(gain, l), null, config.normEps());
                System.arraycopy(rows[h].y(), 0, vec, h * size, size);
            }
            return rows;
        }

        /** From the gradient at qkNorm's output to the one at its input, in place; accumulates the gain's. */
        private void qkNormBackward(double[] dVec, ReferenceNorm.Row[] rows, Role gain, int l) {
            int size = qkNormSize(dVec);
            for (int h = 0; h < rows.length; h++) {
                double[] dx = ReferenceNorm.backward(NormKind.RMS, Arrays.copyOfRange(dVec, h * size, (h + 1) * size),
                        rows[h], w(gain, l), g(gain, l), null);
                System.arraycopy(dx, 0, dVec, h * size, size);
            }
        }

        /** Adds to x the MLP block's output on input; returns what its backward needs. */
        private MlpCache mlpForward(int l, double[][] input, double[][] x) {
            int size = config.mlp().size();
            boolean gated = config.mlp().activation().gated();
            ReferenceNorm.Row[] norm = inputNorm(input, Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
            double[][] in = branchInput(input, norm);
            ReferenceNorm.Row[] outNorm = new ReferenceNorm.Row[n];
            double[][] gate = gated ? new double[n][] : null;
            double[][] z = new double[n][];
            double[][] h = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] b = in[t];
                z[t] = linear(Role.W_UP, Role.B_UP, l, b, size);
                h[t] = new double[size];
                if (gated) {
                    gate[t] = linear(Role.W_GATE, Role.B_GATE, l, b, size);
                }
                for (int i = 0; i < size; i++) {
                    h[t][i] = gated ? silu(gate[t][i]) * z[t][i]
                            : ActivationGradients.value(config.mlp().activation(), z[t][i]);
                }
                outNorm[t] = addBranch(x[t], linear(Role.W_DOWN, Role.B_DOWN, l, h[t], config.hidden()),
                        Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
            }
            return new MlpCache(in, norm, outNorm, gate, z, h);
        }

        /** Causal attention; fills p[head][t][u] with the weights, returns [t][head·valueSize]. */
        private double[][] attention(double[][] q, double[][] k, double[][] v, double[][][] p) {
            AttentionConfig att = config.attention();
            int dk = att.keySize();
            int dv = att.valueSize();
            double scale = 1.0 / Math.sqrt(dk);
            double[][] o = new double[n][att.queryHeads() * dv];
            for (int h = 0; h < att.queryHeads(); h++) {
                int kv = h / att.queriesPerGroup();
                for (int t = 0; t < n; t++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double s = 0;
                        for (int d = 0; d < dk; d++) {
                            s += q[t][h * dk + d] * k[u][kv * dk + d];
                        }
                        p[h][t][u] = s * scale;
                        max = Math.max(max, p[h][t][u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        p[h][t][u] = Math.exp(p[h][t][u] - max);
                        sum += p[h][t][u];
                    }
                    for (int u = 0; u <= t; u++) {
                        p[h][t][u] /= sum;
                        for (int d = 0; d < dv; d++) {
                            o[t][h * dv + d] += p[h][t][u] * v[u][kv * dv + d];
                        }
                    }
                }
            }
            return o;
        }

        void backward(int[] targets, int count) {
            int vocab = config.vocabSize();
            double[][] dNormed = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] dLogits = softmax(logits[t]);
                dLogits[targets[t]] -= 1;
                for (int i = 0; i < vocab; i++) {
                    dLogits[i] /= count;
                }
                addOuter(g(headRole(), -1), dLogits, finalNorm[t].y());
                dNormed[t] = matTvec(w(headRole(), -1), dLogits, config.hidden());
            }
            double[][] dx = new double[n][config.hidden()];
            normBackward(dNormed, finalNorm, Role.FINAL_NORM, Role.FINAL_NORM_BIAS, -1, dx);
            for (int l = config.layers() - 1; l >= 0; l--) {
                if (config.architecture().parallelResidual()) {
                    // both branches read the block's input and add to its output: each gets the output's gradient
                    double[][] dMlpInput = new double[n][config.hidden()];
                    mlpBackward(l, mlpCaches.get(l), dx, dMlpInput);
                    attentionBackward(l, attentionCaches.get(l), dx);
                    for (int t = 0; t < n; t++) {
                        addInPlace(dx[t], dMlpInput[t]);
                    }
                } else {
                    mlpBackward(l, mlpCaches.get(l), dx, dx);
                    attentionBackward(l, attentionCaches.get(l), dx);
                }
            }
            int hidden = config.hidden();
            double[] dEmb = g(Role.TOKEN_EMBEDDING, -1);
            double[] dPos = g(Role.POSITION_EMBEDDING, -1);
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < hidden; i++) {
                    dEmb[tokens[t] * hidden + i] += dx[t][i];
                    if (dPos != null) {
                        dPos[t * hidden + i] += dx[t][i];
                    }
                }
            }
        }

        /** Adds to dx the gradient at the norm's input, from dy at its output; accumulates gain and bias gradients. */
        private void normBackward(double[][] dy, ReferenceNorm.Row[] rows, Role gain, Role bias, int l,
                                  double[][] dx) {
            for (int t = 0; t < n; t++) {
                addInPlace(dx[t], ReferenceNorm.backward(config.normKind(), dy[t], rows[t], w(gain, l), g(gain, l),
                        g(bias, l)));
            }
        }

        /** For y = W·x + b: adds dy ⊗ x to dW and dy to db; returns dx = Wᵀ·dy. */
        private double[] linearBackward(Role weight, Role bias, int l, double[] dy, double[] x) {
            addOuter(g(weight, l), dy, x);
            double[] db = g(bias, l);
            if (db != null) {
                addInPlace(db, dy);
            }
            return matTvec(w(weight, l), dy, x.length);
        }

        /**
         * dy: gradient at the layer's output; adds the gradient at the MLP block's input to dInput (dy itself for a
         * sequential block, where that input is the stream after attention), after dy has been read.
         */
        private void mlpBackward(int l, MlpCache c, double[][] dy, double[][] dInput) {
            int size = config.mlp().size();
            double[][] db = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] b = c.in()[t];
                double[] dOut = branchOutputGradient(dy[t], c.outNorm()[t], Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
                double[] dh = linearBackward(Role.W_DOWN, Role.B_DOWN, l, dOut, c.h()[t]);
                double[] dz = new double[size];
                if (c.gate() == null) {
                    for (int i = 0; i < size; i++) {
                        dz[i] = dh[i] * ActivationGradients.derivative(config.mlp().activation(), c.z()[t][i]);
                    }
                } else {
                    double[] dGate = new double[size];
                    for (int i = 0; i < size; i++) {
                        double gate = c.gate()[t][i];
                        dz[i] = dh[i] * silu(gate);
                        dGate[i] = dh[i] * c.z()[t][i] * siluDerivative(gate);
                    }
                    db[t] = linearBackward(Role.W_GATE, Role.B_GATE, l, dGate, b);
                }
                double[] dUp = linearBackward(Role.W_UP, Role.B_UP, l, dz, b);
                if (db[t] == null) {
                    db[t] = dUp;
                } else {
                    addInPlace(db[t], dUp);
                }
            }
            branchInputBackward(db, c.norm(), Role.MLP_NORM, Role.MLP_NORM_BIAS, l, dInput);
        }

        private void attentionBackward(int l, AttentionCache c, double[][] dx) {
            AttentionConfig att = config.attention();
            double[][] dO = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] dOut = branchOutputGradient(dx[t], c.outNorm()[t], Role.ATTENTION_NORM,
                        Role.ATTENTION_NORM_BIAS, l);
                dO[t] = linearBackward(Role.WO, Role.BO, l, dOut, c.o()[t]);
            }
            double[][] dq = new double[n][att.queryHeads() * att.keySize()];
            double[][] dk = new double[n][att.kvHeads() * att.keySize()];
            double[][] dv = new double[n][att.kvHeads() * att.valueSize()];
            attentionScoresBackward(c, dO, dq, dk, dv);
            double[][] da = new double[n][];
            for (int t = 0; t < n; t++) {
                rotate(dq[t], att.queryHeads(), t, l, -1);
                rotate(dk[t], att.kvHeads(), t, l, -1);
                if (c.qNorm() != null) {
                    qkNormBackward(dq[t], c.qNorm()[t], qGain(), l);
                    qkNormBackward(dk[t], c.kNorm()[t], kGain(), l);
                }
                double[] a = c.in()[t];
                da[t] = linearBackward(Role.WQ, Role.BQ, l, dq[t], a);
                addInPlace(da[t], linearBackward(Role.WK, Role.BK, l, dk[t], a));
                addInPlace(da[t], linearBackward(Role.WV, Role.BV, l, dv[t], a));
            }
            branchInputBackward(da, c.norm(), Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l, dx);
        }

        /** From dO to the gradients of the roped q and k and of v. */
        private void attentionScoresBackward(AttentionCache c, double[][] dO, double[][] dq, double[][] dk,
                                             double[][] dv) {
            AttentionConfig att = config.attention();
            int dkSize = att.keySize();
            int dvSize = att.valueSize();
            double scale = 1.0 / Math.sqrt(dkSize);
            for (int h = 0; h < att.queryHeads(); h++) {
                int kv = h / att.queriesPerGroup();
                for (int t = 0; t < n; t++) {
                    double[] p = c.p()[h][t];
                    double[] dp = new double[t + 1];
                    double weighted = 0;
                    for (int u = 0; u <= t; u++) {
                        for (int d = 0; d < dvSize; d++) {
                            dp[u] += dO[t][h * dvSize + d] * c.v()[u][kv * dvSize + d];
                            dv[u][kv * dvSize + d] += p[u] * dO[t][h * dvSize + d];
                        }
                        weighted += p[u] * dp[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        double ds = p[u] * (dp[u] - weighted) * scale;
                        for (int d = 0; d < dkSize; d++) {
                            dq[t][h * dkSize + d] += ds * c.k()[u][kv * dkSize + d];
                            dk[u][kv * dkSize + d] += ds * c.q()[t][h * dkSize + d];
                        }
                    }
                }
            }
        }

        /**
         * Applies RoPE at position t to every head of vec in layer l: the first 2·pairs dims of each head (all of it
         * unless rotary is partial) rotate by the config's angles ({@link RopeFrequencies}: scaled frequencies
         * included) and are multiplied by its attention factor (yarn); the rest pass through. The map is
         * factor·R(angle), so its transpose, the backward (sign −1), is factor·R(−angle). Does nothing for learned
         * positions and in layers without RoPE.
         */
        private void rotate(double[] vec, int heads, int t, int l, int sign) {
            if (!(config.positions() instanceof Positions.Rope rope) || !rope.rotates(l)) {
                return;
            }
            int dk = config.attention().keySize();
            int rotary = 2 * frequencies.pairs();
            double factor = frequencies.attentionFactor();
            for (int pair = 0; pair < rotary / 2; pair++) {
                double angle = frequencies.angle(t, pair);
                double cos = Math.cos(angle) * factor;
                double sin = sign * Math.sin(angle) * factor;
                for (int h = 0; h < heads; h++) {
                    int i0 = h * dk + rope.layout().dimOf(pair, 0, rotary);
                    int i1 = h * dk + rope.layout().dimOf(pair, 1, rotary);
                    double x0 = vec[i0];
                    double x1 = vec[i1];
                    vec[i0] = x0 * cos - x1 * sin;
                    vec[i1] = x0 * sin + x1 * cos;
                }
            }
        }
    }

    /** w [rows, x.length] · x. */
    private static double[] matvec(double[] w, double[] x, int rows) {
        int cols = x.length;
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += w[r * cols + c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    /** wᵀ · y for w [y.length, cols]. */
    private static double[] matTvec(double[] w, double[] y, int cols) {
        double[] x = new double[cols];
        for (int r = 0; r < y.length; r++) {
            for (int c = 0; c < cols; c++) {
                x[c] += w[r * cols + c] * y[r];
            }
        }
        return x;
    }

    /** dw [dy.length, x.length] += dy ⊗ x. */
    private static void addOuter(double[] dw, double[] dy, double[] x) {
        for (int r = 0; r < dy.length; r++) {
            for (int c = 0; c < x.length; c++) {
                dw[r * x.length + c] += dy[r] * x[c];
            }
        }
    }

    private static double[][] copy(double[][] x) {
        double[][] c = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            c[i] = x[i].clone();
        }
        return c;
    }

    private static void addInPlace(double[] y, double[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }

    static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }

    static double siluDerivative(double z) {
        double s = 1 / (1 + Math.exp(-z));
        return s * (1 + z * (1 - s));
    }

    private static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private static double[] softmax(double[] x) {
        double lse = logSumExp(x);
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp(x[i] - lse);
        }
        return p;
    }
}
