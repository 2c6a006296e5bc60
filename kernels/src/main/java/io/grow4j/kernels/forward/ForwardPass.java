package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.Architecture.NormPlacement;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;

import java.util.List;

/**
 * The float32 forward pass on any {@link KernelBackend}. Weights are converted to float arrays once; each session
 * owns its activation buffers and key/value cache, so sessions over one ForwardPass are independent.
 *
 * <pre>
 *   x ← tok_emb[token] (+ pos_emb[position])
 *   per layer:  in ← norm(x) (pre-norm) or x (post-branch)
 *               q,k,v ← Wq·in+bq, Wk·in+bk, Wv·in+bv   qknorm(q), qknorm(k)   rope(q), rope(k)   cache ← k,v
 *               out ← Wo·attention(q, cache) + bo      x ← x + out, or x + norm(out) (post-branch)
 *               in ← norm(x) or x      out ← Wdown·act(Wup·in+bup [, Wgate·in]) + bdown      x ← x + out or norm(out)
 *   logits ← head · norm(x)                  (norm: RMSNorm, or LayerNorm with a bias for GPT-2)
 * </pre>
 * Which norm sits where and which QK-norm applies come from the family's row ({@link io.grow4j.model.Architecture}),
 * as in {@link ReferenceForward}.
 */
public final class ForwardPass {
    private final TransformerConfig config;
    private final KernelBackend backend;
    private final float[] tokenEmbedding;    // (vocab, hidden)
    private final float[] positionEmbedding; // (maxSeqLen, hidden), learned positions only, else null
    private final List<LayerArrays<float[]>> layers;
    private final float[] finalNorm;         // (hidden)
    private final float[] finalNormBias;     // (hidden), LayerNorm only, else null
    private final float[] outputHead;        // (vocab, hidden), the token embedding itself when tied

    /** Converts every weight of the model to float once; the backend stays owned by the caller. */
    public ForwardPass(Model model, KernelBackend backend) {
        this.config = model.config();
        this.backend = backend;
        ForwardSupport.check(config);
        this.tokenEmbedding = model.tensor(Role.TOKEN_EMBEDDING).toFloatArray();
        this.positionEmbedding = Role.POSITION_EMBEDDING.presentIn(config)
                ? model.tensor(Role.POSITION_EMBEDDING).toFloatArray() : null;
        this.layers = LayerArrays.floats(model);
        this.finalNorm = model.tensor(Role.FINAL_NORM).toFloatArray();
        this.finalNormBias = Role.FINAL_NORM_BIAS.presentIn(config)
                ? model.tensor(Role.FINAL_NORM_BIAS).toFloatArray() : null;
        this.outputHead = config.tiedEmbeddings() ? tokenEmbedding : model.outputHead().toFloatArray();
    }

    public TransformerConfig config() {
        return config;
    }

    public KernelBackend backend() {
        return backend;
    }

    /** Logits at every position of the sequence: [tokens.length][vocab]. */
    public float[][] logits(int[] tokens) {
        Inputs.checkSequence(tokens, config);
        Session session = newSession();
        float[][] out = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = session.next(tokens[i]);
        }
        return out;
    }

    public Session newSession() {
        return new Session();
    }

    /** One sequence: its position, key/value cache and reusable activation buffers. */
    public final class Session implements DecodingSession {
        private final AttentionConfig a = config.attention();
        private final int hidden = config.hidden();
        private final int mlpSize = config.mlp().size();
        private final float eps = (float) config.normEps();
        private final KvCache cache = new KvCache(config.layers(), a.kvHeads() * a.keySize(),
                a.kvHeads() * a.valueSize(), config.maxSeqLen());
        private final float[] x = new float[hidden];                        // residual stream
        private final float[] xb = new float[hidden];                       // normed input of a block
        private final float[] xb2 = new float[hidden];                      // a block's output
        private final boolean preNorm = config.normPlacement() == NormPlacement.PRE;
        private final float[] qkIn = new float[a.queryHeads() * a.keySize()];   // QK-norm input
        private final float[] qkOut = new float[a.queryHeads() * a.keySize()];  // QK-norm output
        private final float[] q = new float[a.queryHeads() * a.keySize()];
        private final float[] k = new float[a.kvHeads() * a.keySize()];
        private final float[] v = new float[a.kvHeads() * a.valueSize()];
        private final float[] att = new float[a.queryHeads() * a.valueSize()];
        private final float[] hb = new float[mlpSize];
        private final float[] hb2 = new float[mlpSize];
        private final MixtureOfExperts experts = config.architecture().mixtureOfExperts()
                ? new MixtureOfExperts(backend, hidden, config.mlp()) : null;
        private final float[] logits = new float[config.vocabSize()];
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
            float[] f = next(token);
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }

        /** Feeds {@code token} at the next position and returns the logits there (a fresh array of vocab entries). */
        public float[] next(int token) {
            Inputs.checkToken(token, position, config);
            embed(token);
            for (int l = 0; l < layers.size(); l++) {
                attentionBlock(l, layers.get(l));
                mlpBlock(layers.get(l));
            }
            norm(xb, x, finalNorm, finalNormBias);
            backend.matvec(outputHead, xb, logits, config.vocabSize(), hidden);
            position++;
            return logits.clone();
        }

        private void embed(int token) {
            System.arraycopy(tokenEmbedding, token * hidden, x, 0, hidden);
            if (positionEmbedding != null) {
                for (int i = 0; i < hidden; i++) {
                    x[i] += positionEmbedding[position * hidden + i];
                }
            }
        }

        private void attentionBlock(int l, LayerArrays<float[]> w) {
            float[] in = branchInput(w.attentionNorm(), w.attentionNormBias());
            backend.matvecs(in, hidden, new float[][] {w.wq(), w.wk(), w.wv()}, new float[][] {q, k, v},
                    new int[] {q.length, k.length, v.length});
            addBias(q, w.bq());
            addBias(k, w.bk());
            addBias(v, w.bv());
            qkNorm(q, a.queryHeads(), w.qNorm());
            qkNorm(k, a.kvHeads(), w.kNorm());
            if (config.positions() instanceof Positions.Rope rope) {
                backend.rope(q, a.queryHeads(), a.keySize(), position, rope.theta(), rope.layout());
                backend.rope(k, a.kvHeads(), a.keySize(), position, rope.theta(), rope.layout());
            }
            cache.store(l, position, k, v);
            backend.attention(q, cache.keys(l), cache.values(l), att, position,
                    a.queryHeads(), a.kvHeads(), a.keySize(), a.valueSize());
            project(w.wo(), w.bo(), att, xb2, hidden, att.length);
            addBranch(w.attentionNorm(), w.attentionNormBias());
        }

        private void mlpBlock(LayerArrays<float[]> w) {
            float[] in = branchInput(w.mlpNorm(), w.mlpNormBias());
            if (w.experts() != null) {
                experts.apply(w.experts(), in, xb2);
                addBranch(w.mlpNorm(), w.mlpNormBias());
                return;
            }
            if (config.mlp().activation().gated()) {
                backend.matvecs(in, hidden, new float[][] {w.wUp(), w.wGate()}, new float[][] {hb2, hb},
                        new int[] {mlpSize, mlpSize});
                addBias(hb2, w.bUp());
            } else {
                project(w.wUp(), w.bUp(), in, hb2, mlpSize, hidden);
            }
            switch (config.mlp().activation()) {
                case SWIGLU -> backend.swiglu(hb, hb2, mlpSize);
                case RELU -> backend.relu(hb2, mlpSize);
                case GELU -> backend.gelu(hb2, mlpSize);
                case GELU_TANH -> backend.geluTanh(hb2, mlpSize);
            }
            float[] h = config.mlp().activation().gated() ? hb : hb2;
            project(w.wDown(), w.bDown(), h, xb2, hidden, mlpSize);
            addBranch(w.mlpNorm(), w.mlpNormBias());
        }

        /** A branch reads xb ← norm(x) before a pre-norm block, the stream x itself otherwise. */
        private float[] branchInput(float[] gain, float[] bias) {
            if (!preNorm) {
                return x;
            }
            norm(xb, x, gain, bias);
            return xb;
        }

        /** x ← x + xb2 (the branch's output), normed first where the norm follows the branch (OLMo-2). */
        private void addBranch(float[] gain, float[] bias) {
            if (config.normPlacement() == NormPlacement.POST_BRANCH) {
                norm(xb, xb2, gain, bias);
                backend.add(x, xb, hidden);
            } else {
                backend.add(x, xb2, hidden);
            }
        }

        /** out ← the norm of in over hidden entries (RMSNorm, or LayerNorm with its bias). */
        private void norm(float[] out, float[] in, float[] gain, float[] bias) {
            switch (config.normKind()) {
                case RMS -> backend.rmsnorm(out, in, gain, eps, hidden);
                case LAYER -> backend.layernorm(out, in, gain, bias, eps, hidden);
            }
        }

        /**
         * The family's QK-norm on vec (heads × keySize), in place: RMSNorm of each head with one shared gain, or of
         * the whole projection; nothing when the gain is null (no QK-norm).
         */
        private void qkNorm(float[] vec, int heads, float[] gain) {
            if (gain == null) {
                return;
            }
            int size = gain.length;
            for (int offset = 0; offset < heads * a.keySize(); offset += size) {
                System.arraycopy(vec, offset, qkIn, 0, size);
                backend.rmsnorm(qkOut, qkIn, gain, eps, size);
                System.arraycopy(qkOut, 0, vec, offset, size);
            }
        }

        /** out = w (rows, cols) · in, plus bias when present. */
        private void project(float[] w, float[] bias, float[] in, float[] out, int rows, int cols) {
            backend.matvec(w, in, out, rows, cols);
            addBias(out, bias);
        }

        private void addBias(float[] out, float[] bias) {
            if (bias != null) {
                backend.add(out, bias, out.length);
            }
        }
    }
}
