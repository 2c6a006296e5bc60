package io.grow4j.train;

import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exactness oracle of training: loss and every parameter's gradient of a llama-style decoder in double precision,
 * one position vector at a time, sums in index order. Tests check it against finite differences and check the fast
 * float32 pass ({@link TrainingPass}) against it, so it stays plain.
 *
 * <pre>
 *   x = emb[token]
 *   per layer:  a = rms(x)·g_att;  q, k = rope(Wq·a), rope(Wk·a);  v = Wv·a
 *               x += Wo · softmax(q·kᵀ/√d, causal) · v          (query head h reads kv group h / (Hq/Hkv))
 *               b = rms(x)·g_mlp;  x += Wdown · (silu(Wgate·b) ⊙ Wup·b)
 *   logits = head · rms(x)·g_final;   loss = mean over positions of −log softmax(logits)[target]
 * </pre>
 *
 * Backward rules used: RMSNorm y = g⊙x·r with r = (mean x² + ε)^−½ gives dx = r(dx̂ − x̂·mean(dx̂⊙x̂)), x̂ = x·r,
 * dx̂ = g⊙dy; softmax gives ds = p⊙(dp − p·dp); silu'(z) = σ(z)(1 + z(1 − σ(z))); RoPE's backward is the rotation by
 * the opposite angle.
 */
public final class ReferenceTraining {
    private final TransformerConfig config;
    private final Positions.Rope rope;

    public ReferenceTraining(TransformerConfig config) {
        TrainingSupport.check(config);
        this.config = config;
        this.rope = (Positions.Rope) config.positions();
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

    /** Activations of one layer kept for its backward. */
    private record LayerCache(double[][] xIn, double[] rAtt, double[][] a, double[][] q, double[][] k, double[][] v,
                              double[][][] p, double[][] o, double[][] xMid, double[] rMlp, double[][] b,
                              double[][] gate, double[][] up, double[][] h) {
    }

    private final class Sequence {
        private final Map<TensorKey, double[]> w;
        private final Map<TensorKey, double[]> g;
        private final int[] tokens;
        private final int n;
        private final List<LayerCache> caches = new ArrayList<>();
        private double[][] xFinal;
        private double[] rFinal;
        private double[][] f;
        private double[][] logits;

        Sequence(Map<TensorKey, double[]> w, Map<TensorKey, double[]> g, int[] tokens) {
            this.w = w;
            this.g = g;
            this.tokens = tokens;
            this.n = tokens.length;
        }

        private double[] w(Role role, int layer) {
            return w.get(role.perLayer() ? TensorKey.of(role, layer) : TensorKey.global(role));
        }

        private double[] g(Role role, int layer) {
            return g.get(role.perLayer() ? TensorKey.of(role, layer) : TensorKey.global(role));
        }

        private Role headRole() {
            return config.tiedEmbeddings() ? Role.TOKEN_EMBEDDING : Role.OUTPUT;
        }

        /** Summed (not mean) loss of this sequence. */
        double forward(int[] targets) {
            int hidden = config.hidden();
            double[][] x = new double[n][hidden];
            double[] emb = w(Role.TOKEN_EMBEDDING, -1);
            for (int t = 0; t < n; t++) {
                System.arraycopy(emb, tokens[t] * hidden, x[t], 0, hidden);
            }
            for (int l = 0; l < config.layers(); l++) {
                caches.add(layerForward(l, x));
            }
            xFinal = copy(x);
            rFinal = new double[n];
            f = new double[n][];
            logits = new double[n][];
            double loss = 0;
            for (int t = 0; t < n; t++) {
                rFinal[t] = inverseRms(x[t]);
                f[t] = scaled(x[t], rFinal[t], w(Role.FINAL_NORM, -1));
                logits[t] = matvec(w(headRole(), -1), f[t], config.vocabSize());
                loss += logSumExp(logits[t]) - logits[t][targets[t]];
            }
            return loss;
        }

        private LayerCache layerForward(int l, double[][] x) {
            AttentionConfig att = config.attention();
            int qRows = att.queryHeads() * att.keySize();
            int kRows = att.kvHeads() * att.keySize();
            int vRows = att.kvHeads() * att.valueSize();
            double[][] xIn = copy(x);
            double[] rAtt = new double[n];
            double[][] a = new double[n][];
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                rAtt[t] = inverseRms(x[t]);
                a[t] = scaled(x[t], rAtt[t], w(Role.ATTENTION_NORM, l));
                q[t] = matvec(w(Role.WQ, l), a[t], qRows);
                k[t] = matvec(w(Role.WK, l), a[t], kRows);
                v[t] = matvec(w(Role.WV, l), a[t], vRows);
                rotate(q[t], att.queryHeads(), t, 1);
                rotate(k[t], att.kvHeads(), t, 1);
            }
            double[][][] p = new double[att.queryHeads()][n][n];
            double[][] o = attention(q, k, v, p);
            for (int t = 0; t < n; t++) {
                addInPlace(x[t], matvec(w(Role.WO, l), o[t], config.hidden()));
            }
            double[][] xMid = copy(x);
            double[] rMlp = new double[n];
            double[][] b = new double[n][];
            double[][] gate = new double[n][];
            double[][] up = new double[n][];
            double[][] h = new double[n][];
            int size = config.mlp().size();
            for (int t = 0; t < n; t++) {
                rMlp[t] = inverseRms(x[t]);
                b[t] = scaled(x[t], rMlp[t], w(Role.MLP_NORM, l));
                gate[t] = matvec(w(Role.W_GATE, l), b[t], size);
                up[t] = matvec(w(Role.W_UP, l), b[t], size);
                h[t] = new double[size];
                for (int i = 0; i < size; i++) {
                    h[t][i] = silu(gate[t][i]) * up[t][i];
                }
                addInPlace(x[t], matvec(w(Role.W_DOWN, l), h[t], config.hidden()));
            }
            return new LayerCache(xIn, rAtt, a, q, k, v, p, o, xMid, rMlp, b, gate, up, h);
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
            double[][] dx = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] dLogits = softmax(logits[t]);
                dLogits[targets[t]] -= 1;
                for (int i = 0; i < vocab; i++) {
                    dLogits[i] /= count;
                }
                addOuter(g(headRole(), -1), dLogits, f[t]);
                double[] df = matTvec(w(headRole(), -1), dLogits, config.hidden());
                dx[t] = rmsBackward(df, xFinal[t], rFinal[t], w(Role.FINAL_NORM, -1), g(Role.FINAL_NORM, -1));
            }
            for (int l = config.layers() - 1; l >= 0; l--) {
                mlpBackward(l, caches.get(l), dx);
                attentionBackward(l, caches.get(l), dx);
            }
            double[] dEmb = g(Role.TOKEN_EMBEDDING, -1);
            int hidden = config.hidden();
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < hidden; i++) {
                    dEmb[tokens[t] * hidden + i] += dx[t][i];
                }
            }
        }

        /** dx: gradient at the layer's output on entry, at its MLP input (the attention output) on return. */
        private void mlpBackward(int l, LayerCache c, double[][] dx) {
            int hidden = config.hidden();
            int size = config.mlp().size();
            for (int t = 0; t < n; t++) {
                addOuter(g(Role.W_DOWN, l), dx[t], c.h()[t]);
                double[] dh = matTvec(w(Role.W_DOWN, l), dx[t], size);
                double[] dGate = new double[size];
                double[] dUp = new double[size];
                for (int i = 0; i < size; i++) {
                    double z = c.gate()[t][i];
                    dUp[i] = dh[i] * silu(z);
                    dGate[i] = dh[i] * c.up()[t][i] * siluDerivative(z);
                }
                addOuter(g(Role.W_GATE, l), dGate, c.b()[t]);
                addOuter(g(Role.W_UP, l), dUp, c.b()[t]);
                double[] db = matTvec(w(Role.W_GATE, l), dGate, hidden);
                addInPlace(db, matTvec(w(Role.W_UP, l), dUp, hidden));
                addInPlace(dx[t], rmsBackward(db, c.xMid()[t], c.rMlp()[t], w(Role.MLP_NORM, l),
                        g(Role.MLP_NORM, l)));
            }
        }

        private void attentionBackward(int l, LayerCache c, double[][] dx) {
            AttentionConfig att = config.attention();
            int hidden = config.hidden();
            double[][] dO = new double[n][];
            for (int t = 0; t < n; t++) {
                addOuter(g(Role.WO, l), dx[t], c.o()[t]);
                dO[t] = matTvec(w(Role.WO, l), dx[t], att.queryHeads() * att.valueSize());
            }
            double[][] dq = new double[n][att.queryHeads() * att.keySize()];
            double[][] dk = new double[n][att.kvHeads() * att.keySize()];
            double[][] dv = new double[n][att.kvHeads() * att.valueSize()];
            attentionScoresBackward(c, dO, dq, dk, dv);
            for (int t = 0; t < n; t++) {
                rotate(dq[t], att.queryHeads(), t, -1);
                rotate(dk[t], att.kvHeads(), t, -1);
                addOuter(g(Role.WQ, l), dq[t], c.a()[t]);
                addOuter(g(Role.WK, l), dk[t], c.a()[t]);
                addOuter(g(Role.WV, l), dv[t], c.a()[t]);
                double[] da = matTvec(w(Role.WQ, l), dq[t], hidden);
                addInPlace(da, matTvec(w(Role.WK, l), dk[t], hidden));
                addInPlace(da, matTvec(w(Role.WV, l), dv[t], hidden));
                addInPlace(dx[t], rmsBackward(da, c.xIn()[t], c.rAtt()[t], w(Role.ATTENTION_NORM, l),
                        g(Role.ATTENTION_NORM, l)));
            }
        }

        /** From dO to the gradients of the roped q and k and of v. */
        private void attentionScoresBackward(LayerCache c, double[][] dO, double[][] dq, double[][] dk,
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

        /** Rotates every head of vec by sign × the angle of position t: sign −1 is the transpose (backward). */
        private void rotate(double[] vec, int heads, int t, int sign) {
            int dk = config.attention().keySize();
            RopeFrequencies frequencies = RopeFrequencies.plain(rope.theta(), dk);
            for (int pair = 0; pair < dk / 2; pair++) {
                double angle = sign * frequencies.angle(t, pair);
                double cos = Math.cos(angle);
                double sin = Math.sin(angle);
                for (int h = 0; h < heads; h++) {
                    int i0 = h * dk + rope.layout().dimOf(pair, 0, dk);
                    int i1 = h * dk + rope.layout().dimOf(pair, 1, dk);
                    double x0 = vec[i0];
                    double x1 = vec[i1];
                    vec[i0] = x0 * cos - x1 * sin;
                    vec[i1] = x0 * sin + x1 * cos;
                }
            }
        }
    }

    private double inverseRms(double[] x) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        return 1.0 / Math.sqrt(squares / x.length + config.normEps());
    }

    private static double[] scaled(double[] x, double r, double[] gain) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * r * gain[i];
        }
        return y;
    }

    /** Gradient at x of y = gain⊙x·r; adds gain's gradient to dGain. */
    private static double[] rmsBackward(double[] dy, double[] x, double r, double[] gain, double[] dGain) {
        int n = x.length;
        double[] dxHat = new double[n];
        double dot = 0;
        for (int i = 0; i < n; i++) {
            dGain[i] += dy[i] * x[i] * r;
            dxHat[i] = dy[i] * gain[i];
            dot += dxHat[i] * x[i] * r;
        }
        double[] dx = new double[n];
        for (int i = 0; i < n; i++) {
            dx[i] = r * (dxHat[i] - x[i] * r * dot / n);
        }
        return dx;
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

    private static void addInPlace(double[] y, double[] x) {
        for (int i = 0; i < y.length; i++) {
            y[i] += x[i];
        }
    }

    private static double[][] copy(double[][] x) {
        double[][] c = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            c[i] = x[i].clone();
        }
        return c;
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
