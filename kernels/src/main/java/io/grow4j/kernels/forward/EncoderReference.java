package io.grow4j.kernels.forward;

import io.grow4j.kernels.ActivationMath;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;

import java.util.List;

/**
 * The exactness oracle for encoders (BERT): the whole pass in double precision, plain loops, sums in index order, as
 * {@link ReferenceForward} is for decoders. Growth tests compare its hidden states before and after a step.
 *
 * <pre>
 *   x[t] = LN_emb(tok_emb[token t] + pos_emb[t] + type_emb[type t])
 *   per layer:  a[t] = softmax(q[t]·K^T / sqrt(k)) V      over every position (attention mask of ones)
 *               x[t] = LN_attn(x[t] + Wo·a[t] + bo)
 *               x[t] = LN_mlp(x[t] + Wdown·act(Wup·x[t] + bup) + bdown)
 *   output: x, the last layer's hidden states (no final norm: every block already ends normalised)
 *   pooled (when the model has a pooler): tanh(Wp·x[0] + bp)
 * </pre>
 *
 * LN is LayerNorm with the population variance: (x − mean) / sqrt(var + eps) · gain + bias.
 */
public final class EncoderReference {
    private final TransformerConfig config;
    private final double[] tokenEmbedding;    // (vocab, hidden)
    private final double[] positionEmbedding; // (maxSeqLen, hidden)
    private final double[] typeEmbedding;     // (typeVocab, hidden), or null without token types
    private final double[] embeddingNorm;     // (hidden)
    private final double[] embeddingNormBias; // (hidden)
    private final List<LayerArrays<double[]>> layers;
    private final double[] pooler;            // (hidden, hidden), or null without a pooler
    private final double[] poolerBias;        // (hidden), or null

    /** Reads every weight of the model once, as double. */
    public EncoderReference(Model model) {
        this.config = model.config();
        ForwardSupport.checkEncoder(config);
        this.tokenEmbedding = model.tensor(Role.TOKEN_EMBEDDING).toDoubleArray();
        this.positionEmbedding = model.tensor(Role.POSITION_EMBEDDING).toDoubleArray();
        this.typeEmbedding = Role.TOKEN_TYPE_EMBEDDING.presentIn(config)
                ? model.tensor(Role.TOKEN_TYPE_EMBEDDING).toDoubleArray() : null;
        this.embeddingNorm = model.tensor(Role.EMBEDDING_NORM).toDoubleArray();
        this.embeddingNormBias = model.tensor(Role.EMBEDDING_NORM_BIAS).toDoubleArray();
        this.layers = LayerArrays.doubles(model);
        this.pooler = config.pooler() ? model.tensor(Role.POOLER).toDoubleArray() : null;
        this.poolerBias = config.pooler() ? model.tensor(Role.POOLER_BIAS).toDoubleArray() : null;
    }

    public TransformerConfig config() {
        return config;
    }

    /**
     * The last layer's output at every position: [tokens.length][hidden].
     *
     * @param tokenTypes one segment id per token (all zeros for a single segment)
     */
    public double[][] hiddenStates(int[] tokens, int[] tokenTypes) {
        Inputs.checkEncoderInput(tokens, tokenTypes, config);
        double[][] x = new double[tokens.length][];
        for (int t = 0; t < tokens.length; t++) {
            x[t] = embed(tokens[t], t, tokenTypes[t]);
        }
        for (LayerArrays<double[]> w : layers) {
            double[][] attended = attention(w, x);
            for (int t = 0; t < x.length; t++) {
                ReferenceMath.addInPlace(x[t], attended[t]);
                x[t] = ReferenceMath.layernorm(x[t], w.attentionNorm(), w.attentionNormBias(), config.normEps());
                ReferenceMath.addInPlace(x[t], mlp(w, x[t]));
                x[t] = ReferenceMath.layernorm(x[t], w.mlpNorm(), w.mlpNormBias(), config.normEps());
            }
        }
        return x;
    }

    /** BERT's pooled output tanh(W·h[0] + b), from the first row of {@link #hiddenStates}. */
    public double[] pooled(double[][] hiddenStates) {
        if (pooler == null) {
            throw new IllegalStateException("this " + config.architecture().id() + " model has no pooler");
        }
        double[] out = ReferenceMath.matvec(pooler, hiddenStates[0], poolerBias, config.hidden(), config.hidden());
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.tanh(out[i]);
        }
        return out;
    }

    private double[] embed(int token, int position, int type) {
        int hidden = config.hidden();
        double[] x = new double[hidden];
        for (int i = 0; i < hidden; i++) {
            x[i] = tokenEmbedding[token * hidden + i] + positionEmbedding[position * hidden + i];
            if (typeEmbedding != null) {
                x[i] += typeEmbedding[type * hidden + i];
            }
        }
        return ReferenceMath.layernorm(x, embeddingNorm, embeddingNormBias, config.normEps());
    }

    /** Wo·a[t] + bo for every position t, each query attending to every key of the sequence. */
    private double[][] attention(LayerArrays<double[]> w, double[][] x) {
        AttentionConfig a = config.attention();
        int hidden = config.hidden();
        int n = x.length;
        double[][] keys = new double[n][];
        double[][] values = new double[n][];
        for (int t = 0; t < n; t++) {
            keys[t] = ReferenceMath.matvec(w.wk(), x[t], w.bk(), a.kvHeads() * a.keySize(), hidden);
            values[t] = ReferenceMath.matvec(w.wv(), x[t], w.bv(), a.kvHeads() * a.valueSize(), hidden);
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] q = ReferenceMath.matvec(w.wq(), x[t], w.bq(), a.queryHeads() * a.keySize(), hidden);
            // the causal kernel's "position" is the last key it reads: n − 1 lets every query see every key
            double[] att = ReferenceMath.attention(q, keys, values, n - 1,
                    a.queryHeads(), a.kvHeads(), a.keySize(), a.valueSize());
            out[t] = ReferenceMath.matvec(w.wo(), att, w.bo(), hidden, a.queryHeads() * a.valueSize());
        }
        return out;
    }

    private double[] mlp(LayerArrays<double[]> w, double[] x) {
        int hidden = config.hidden();
        int size = config.mlp().size();
        double[] h = ReferenceMath.matvec(w.wUp(), x, w.bUp(), size, hidden);
        for (int i = 0; i < size; i++) {
            h[i] = switch (config.mlp().activation()) {
                case RELU -> ActivationMath.relu(h[i]);
                case GELU -> ActivationMath.gelu(h[i]);
                case GELU_TANH -> ActivationMath.geluTanh(h[i]);
                case SWIGLU, GEGLU_TANH -> throw new IllegalStateException("refused by ForwardSupport.checkEncoder");
            };
        }
        return ReferenceMath.matvec(w.wDown(), h, w.bDown(), hidden, size);
    }
}
