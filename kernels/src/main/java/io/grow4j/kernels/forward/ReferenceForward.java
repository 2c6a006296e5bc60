package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.TransformerConfig;

import java.util.List;

/**
 * The exactness oracle: the whole forward pass in double precision, plain loops, sums in index order. Growth tests
 * compare its logits before and after a transformation to 1e-12, so it must stay deterministic and simple.
 *
 * <pre>
 *   x = tok_emb[token] (× sqrt(hidden), Gemma) (+ pos_emb[position])
 *   per layer:  x += attn(x), then x += mlp(x) (parallel residual: x += attn(x) + mlp(x), both reading the
 *               block's input), each branch f read from the family's row as
 *                 pre-norm: f(n(x))    post-branch: n(f(x))    sandwich: n2(f(n1(x)))
 *               attn(y) = Wo · attention(rope(qk(Wq·y + bq)), rope(qk(Wk·y + bk)), Wv·y + bv) + bo
 *               mlp(y)  = Wdown · act(Wup·y + bup [, Wgate·y + bgate]) + bdown
 *               (n = RMSNorm, or LayerNorm for GPT-2, each with its own gain and bias; qk = the family's QK-norm:
 *                none, RMSNorm per head, or RMSNorm over the whole projection, with the same epsilon; Gemma's
 *                norms multiply by (1 + w), its attention scales logits by query_pre_attn_scalar^-0.5, soft-caps
 *                them and lets sliding layers see the last sliding_window positions only)
 *   logits = head · n(x)   (soft-capped when the model says so)
 * </pre>
 */
public final class ReferenceForward {
    private final TransformerConfig config;
    private final double[] tokenEmbedding;    // (vocab, hidden)
    private final double[] positionEmbedding; // (maxSeqLen, hidden), learned positions only, else null
    private final List<LayerArrays<double[]>> layers;
    private final double[] finalNorm;         // (hidden)
    private final double[] finalNormBias;     // (hidden), LayerNorm only, else null
    private final double[] outputHead;        // (vocab, hidden), the token embedding itself when tied
    private final RopeFrequencies[] frequencies; // per layer, RoPE models only, else null entries
    private final double embeddingMultiplier;   // sqrt(hidden) in the embedding's dtype (Gemma), else 1

    /** Reads every weight of the model once, as double. */
    public ReferenceForward(Model model) {
        this.config = model.config();
        ForwardSupport.check(config);
        this.tokenEmbedding = model.tensor(Role.TOKEN_EMBEDDING).toDoubleArray();
        this.positionEmbedding = Role.POSITION_EMBEDDING.presentIn(config)
                ? model.tensor(Role.POSITION_EMBEDDING).toDoubleArray() : null;
        this.layers = LayerArrays.doubles(model);
        this.finalNorm = model.tensor(Role.FINAL_NORM).toDoubleArray();
        this.finalNormBias = Role.FINAL_NORM_BIAS.presentIn(config)
                ? model.tensor(Role.FINAL_NORM_BIAS).toDoubleArray() : null;
        this.outputHead = config.tiedEmbeddings() ? tokenEmbedding : model.outputHead().toDoubleArray();
        this.frequencies = ShapedScores.layerFrequencies(config);
        this.embeddingMultiplier = ShapedScores.embeddingMultiplier(config,
                model.tensor(Role.TOKEN_EMBEDDING).dtype());
    }

    public TransformerConfig config() {
        return config;
    }

    /** Logits at every position of the sequence: [tokens.length][vocab]. */
    public double[][] logits(int[] tokens) {
        Inputs.checkSequence(tokens, config);
        Session session = newSession();
        double[][] out = new double[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = session.next(tokens[i]);
        }
        return out;
    }

    public Session newSession() {
        return new Session();
    }

    /** One sequence: its position and its key/value cache, one row per position and layer. */
    public final class Session implements DecodingSession {
        private final double[][][] keys = new double[config.layers()][config.maxSeqLen()][];
        private final double[][][] values = new double[config.layers()][config.maxSeqLen()][];
        private int position;

        private Session() {
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
            return next(token);
        }

        /** Feeds {@code token} at the next position and returns the logits there (a fresh array of vocab entries). */
        public double[] next(int token) {
            Inputs.checkToken(token, position, config);
            double[] x = embed(token);
            for (int l = 0; l < layers.size(); l++) {
                double[] attention = attentionBlock(l, x);
                // parallel residual (GPT-NeoX): the MLP reads the block's input, not the stream after attention
                double[] mlpInput = config.architecture().parallelResidual() ? x.clone() : x;
                ReferenceMath.addInPlace(x, attention);
                ReferenceMath.addInPlace(x, mlpBlock(layers.get(l), mlpInput));
            }
            double[] normed = norm(x, finalNorm, finalNormBias);
            position++;
            double[] logits = ReferenceMath.matvec(outputHead, normed, null, config.vocabSize(), config.hidden());
            double cap = config.attentionShape().finalSoftCap();
            for (int i = 0; i < logits.length; i++) {
                logits[i] = ShapedScores.softCap(logits[i], cap);
            }
            return logits;
        }

        private double[] norm(double[] x, double[] gain, double[] bias) {
            return switch (config.normKind()) {
                case RMS, RMS_UNIT_OFFSET -> ReferenceMath.rmsnorm(x, gain, config.normEps(),
                        config.normKind().offset());
                case LAYER -> ReferenceMath.layernorm(x, gain, bias, config.normEps());
            };
        }

        private double[] embed(int token) {
            int hidden = config.hidden();
            double[] x = new double[hidden];
            for (int i = 0; i < hidden; i++) {
                x[i] = tokenEmbedding[token * hidden + i] * embeddingMultiplier;
            }
            if (positionEmbedding != null) {
                for (int i = 0; i < hidden; i++) {
                    x[i] += positionEmbedding[position * hidden + i];
                }
            }
            return x;
        }

        /** A branch's input: the normed stream before a pre-norm branch, the stream itself otherwise. */
        private double[] branchInput(double[] x, double[] gain, double[] bias) {
            return config.normPlacement().normsInput() ? norm(x, gain, bias) : x;
        }

        /** A branch's contribution: normed inside the residual for post-branch (OLMo-2) and sandwich (Gemma) norms. */
        private double[] branchOutput(double[] out, double[] gain, double[] bias) {
            return config.normPlacement().normsOutput() ? norm(out, gain, bias) : out;
        }

        /** RMSNorm of queries and keys before RoPE, with the block norms' epsilon (Qwen3, OLMo-2). */
        private void qkNorm(double[] q, double[] k, LayerArrays<double[]> w) {
            AttentionConfig a = config.attention();
            double eps = config.normEps();
            double offset = config.normKind().offset();
            switch (config.architecture().qkNorm()) {
                case NONE -> {
                }
                case PER_HEAD -> {
                    ReferenceMath.rmsnormHeads(q, w.qNorm(), a.queryHeads(), a.keySize(), eps, offset);
                    ReferenceMath.rmsnormHeads(k, w.kNorm(), a.kvHeads(), a.keySize(), eps, offset);
                }
                case WHOLE_PROJECTION -> {
                    ReferenceMath.rmsnormHeads(q, w.qNorm(), 1, q.length, eps, offset);
                    ReferenceMath.rmsnormHeads(k, w.kNorm(), 1, k.length, eps, offset);
                }
            }
        }

        /** The attention block's contribution to the residual stream; caches this position's key and value. */
        private double[] attentionBlock(int l, double[] x) {
            LayerArrays<double[]> w = layers.get(l);
            AttentionConfig a = config.attention();
            int hidden = config.hidden();
            double[] n = branchInput(x, w.attentionNorm(), w.attentionNormBias());
            double[] q = ReferenceMath.matvec(w.wq(), n, w.bq(), a.queryHeads() * a.keySize(), hidden);
            double[] k = ReferenceMath.matvec(w.wk(), n, w.bk(), a.kvHeads() * a.keySize(), hidden);
            double[] v = ReferenceMath.matvec(w.wv(), n, w.bv(), a.kvHeads() * a.valueSize(), hidden);
            qkNorm(q, k, w);
            // SmolLM3's layers without RoPE see no position at all.
            if (config.positions() instanceof Positions.Rope rope && rope.rotates(l)) {
                ReferenceMath.rope(q, a.queryHeads(), a.keySize(), position, frequencies[l], rope.layout());
                ReferenceMath.rope(k, a.kvHeads(), a.keySize(), position, frequencies[l], rope.layout());
            }
            keys[l][position] = k;
            values[l][position] = v;
            AttentionShape shape = config.attentionShape();
            double[] att = ReferenceMath.attention(q, keys[l], values[l], position,
                    a.queryHeads(), a.kvHeads(), a.keySize(), a.valueSize(), shape.scale(a.keySize()),
                    shape.attentionSoftCap(), shape.firstVisible(l, position));
            double[] out = ReferenceMath.matvec(w.wo(), att, w.bo(), hidden, a.queryHeads() * a.valueSize());
            return branchOutput(out, w.attentionOutputNorm(), w.attentionNormBias());
        }

        private double[] mlpBlock(LayerArrays<double[]> w, double[] x) {
            int hidden = config.hidden();
            int size = config.mlp().size();
            double[] n = branchInput(x, w.mlpNorm(), w.mlpNormBias());
            if (w.experts() != null) {
                return branchOutput(experts(w.experts(), n), w.mlpOutputNorm(), w.mlpNormBias());
            }
            double[] h = ReferenceMath.matvec(w.wUp(), n, w.bUp(), size, hidden);
            double[] gate = w.wGate() == null ? null : ReferenceMath.matvec(w.wGate(), n, w.bGate(), size, hidden);
            for (int i = 0; i < size; i++) {
                h[i] = switch (config.mlp().activation()) {
                    case SWIGLU -> ActivationMath.silu(gate[i]) * h[i];
                    case RELU -> ActivationMath.relu(h[i]);
                    case GELU -> ActivationMath.gelu(h[i]);
                    case GELU_TANH -> ActivationMath.geluTanh(h[i]);
                    case GEGLU_TANH -> ActivationMath.geluTanh(gate[i]) * h[i];
                };
            }
            double[] out = ReferenceMath.matvec(w.wDown(), h, w.bDown(), hidden, size);
            return branchOutput(out, w.mlpOutputNorm(), w.mlpNormBias());
        }

        /** Mixtral's sparse block on the normed input n: the chosen SwiGLU experts, weighted by {@link Routing}. */
        private double[] experts(ExpertArrays<double[]> w, double[] n) {
            int hidden = config.hidden();
            int size = config.mlp().size();
            double[] logits = ReferenceMath.matvec(w.router(), n, null, config.mlp().experts(), hidden);
            int[] chosen = Routing.topK(logits, config.mlp().topK());
            double[] weights = Routing.weights(logits, chosen, config.mlp().normTopK());
            double[] out = new double[hidden];
            for (int i = 0; i < chosen.length; i++) {
                int e = chosen[i];
                double[] y = swiglu(w.gate().get(e), w.up().get(e), w.down().get(e), n, size);
                for (int j = 0; j < hidden; j++) {
                    out[j] += weights[i] * y[j];
                }
            }
            ExpertArrays.Shared<double[]> shared = w.shared();
            if (shared != null) {
                double[] y = swiglu(shared.gate(), shared.up(), shared.down(), n, config.mlp().sharedSize());
                double g = ActivationMath.sigmoid(ReferenceMath.matvec(shared.outputGate(), n, null, 1, hidden)[0]);
                for (int j = 0; j < hidden; j++) {
                    out[j] += g * y[j];
                }
            }
            return out;
        }

        /** down · (silu(gate · n) ⊙ (up · n)) for one bias-free SwiGLU expert of inner width size. */
        private double[] swiglu(double[] gate, double[] up, double[] down, double[] n, int size) {
            int hidden = config.hidden();
            double[] g = ReferenceMath.matvec(gate, n, null, size, hidden);
            double[] h = ReferenceMath.matvec(up, n, null, size, hidden);
            for (int j = 0; j < size; j++) {
                h[j] *= ActivationMath.silu(g[j]);
            }
            return ReferenceMath.matvec(down, h, null, hidden, size);
        }
    }
}
