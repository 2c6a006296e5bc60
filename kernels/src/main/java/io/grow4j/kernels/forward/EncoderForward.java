package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.TransformerConfig;

import java.util.Arrays;
import java.util.List;

/**
 * The float32 encoder pass (BERT) on any {@link KernelBackend}, checked against {@link EncoderReference}. Weights
 * stay in the model's tensors and are read in their stored dtype (F32, F16, BF16) by backends with
 * {@link io.grow4j.kernels.TensorKernels}, as {@link ForwardPass} reads them: no float copy of the model is made. All
 * positions of a batch of sequences form one [positions, width] matrix, so each projection is one matrix product
 * (each weight read once per layer per batch); each query runs the backend's attention kernel over every key of its
 * own sequence (its "position" argument set to that sequence's last one), so no mask is needed.
 *
 * <pre>
 *   X ← LN_emb(tok_emb[tokens] + pos_emb[0..n) + type_emb[types])              X: (n, hidden)
 *   per layer:  Q,K,V ← X·Wq^T+bq, X·Wk^T+bk, X·Wv^T+bv      A[t] ← attention(Q[t], K, V) over all n keys
 *               X ← LN_attn(X + A·Wo^T + bo)
 *               X ← LN_mlp(X + act(X·Wup^T + bup)·Wdown^T + bdown)
 *   pooled (when the model has a pooler): tanh(Wp·X[0] + bp)
 * </pre>
 */
public final class EncoderForward {
    private final TransformerConfig config;
    private final KernelBackend backend;
    private final Weight tokenEmbedding;    // (vocab, hidden), rows read in place
    private final Weight positionEmbedding; // (maxSeqLen, hidden), rows read in place
    private final Weight typeEmbedding;     // (typeVocab, hidden), or null without token types
    private final Weight embeddingNorm;     // (hidden)
    private final Weight embeddingNormBias; // (hidden)
    private final List<LayerArrays<Weight>> layers;
    private final Weight pooler;            // (hidden, hidden), or null without a pooler
    private final Weight poolerBias;        // (hidden), or null

    /**
     * Wraps the model's weights: matrices and embeddings stay in the model's tensors (slices of the mapped files) and
     * are read in their stored dtype by backends with {@link io.grow4j.kernels.TensorKernels}; other backends get a
     * float copy of each matrix on first use (see {@link Weight}). Only gains and biases are copied to float. The
     * backend stays owned by the caller.
     */
    public EncoderForward(Model model, KernelBackend backend) {
        this.config = model.config();
        this.backend = backend;
        ForwardSupport.checkEncoder(config);
        this.tokenEmbedding = new Weight(model.tensor(Role.TOKEN_EMBEDDING));
        this.positionEmbedding = new Weight(model.tensor(Role.POSITION_EMBEDDING));
        this.typeEmbedding = Role.TOKEN_TYPE_EMBEDDING.presentIn(config)
                ? new Weight(model.tensor(Role.TOKEN_TYPE_EMBEDDING)) : null;
        this.embeddingNorm = new Weight(model.tensor(Role.EMBEDDING_NORM));
        this.embeddingNormBias = new Weight(model.tensor(Role.EMBEDDING_NORM_BIAS));
        this.layers = LayerArrays.weights(model);
        this.pooler = config.pooler() ? new Weight(model.tensor(Role.POOLER)) : null;
        this.poolerBias = config.pooler() ? new Weight(model.tensor(Role.POOLER_BIAS)) : null;
    }

    public TransformerConfig config() {
        return config;
    }

    public KernelBackend backend() {
        return backend;
    }

    /**
     * The last layer's output at every position: [tokens.length][hidden].
     *
     * @param tokenTypes one segment id per token (all zeros for a single segment)
     */
    public float[][] hiddenStates(int[] tokens, int[] tokenTypes) {
        return hiddenStates(new int[][] {tokens}, new int[][] {tokenTypes})[0];
    }

    /**
     * The last layer's output at every position of every sequence: [sequences][positions][hidden]. All positions of
     * the batch go through each layer together, every projection one matrix product over them, so each weight is read
     * once per layer per batch; attention stays within each sequence. Each sequence's states equal what
     * {@link #hiddenStates(int[], int[])} gives for it alone up to the summation order of the matrix products (the
     * packed kernel for 8 rows or more, row dots below).
     *
     * @param tokenTypes one array of segment ids per sequence, as long as it
     * @throws IllegalArgumentException naming every bad sequence (token id, type, length) before any work starts
     */
    public float[][][] hiddenStates(int[][] sequences, int[][] tokenTypes) {
        checkBatch(sequences, tokenTypes);
        Pass pass = new Pass(Arrays.stream(sequences).mapToInt(t -> t.length).toArray());
        pass.embed(sequences, tokenTypes);
        for (LayerArrays<Weight> w : layers) {
            pass.attentionBlock(w);
            pass.mlpBlock(w);
        }
        return pass.sequences();
    }

    /** Every sequence's problem in one message (prefixed with its index when the batch holds several). */
    private void checkBatch(int[][] sequences, int[][] tokenTypes) {
        if (sequences.length != tokenTypes.length) {
            throw new IllegalArgumentException(sequences.length + " sequences but " + tokenTypes.length
                    + " arrays of token types");
        }
        List<String> problems = new java.util.ArrayList<>();
        for (int s = 0; s < sequences.length; s++) {
            try {
                Inputs.checkEncoderInput(sequences[s], tokenTypes[s], config);
            } catch (IllegalArgumentException e) {
                problems.add(sequences.length == 1 ? e.getMessage() : "sequence " + s + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** BERT's pooled output tanh(W·h[0] + b), from the first row of {@link #hiddenStates}. */
    public float[] pooled(float[][] hiddenStates) {
        if (pooler == null) {
            throw new IllegalStateException("this " + config.architecture().id() + " model has no pooler");
        }
        float[] out = new float[config.hidden()];
        pooler.matvec(backend, hiddenStates[0], out);
        float[] bias = poolerBias.floats();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.tanh(out[i] + bias[i]);
        }
        return out;
    }

    /** Every matrix of the pass (embeddings, projections, pooler), for tests that check none was copied. */
    List<Weight> matrices() {
        List<Weight> out = new java.util.ArrayList<>(List.of(tokenEmbedding, positionEmbedding));
        if (typeEmbedding != null) {
            out.add(typeEmbedding);
        }
        for (LayerArrays<Weight> layer : layers) {
            layer.present().stream().filter(w -> w.tensor().rank() == 2).forEach(out::add);
        }
        if (pooler != null) {
            out.add(pooler);
        }
        return out;
    }

    /** A batch's activations, every position of every sequence one row: flat row-major [positions, width]. */
    private final class Pass {
        private final AttentionConfig a = config.attention();
        private final int[] lengths;    // positions of each sequence, whose rows follow one another
        private final int n;            // positions of the whole batch
        private final int hidden = config.hidden();
        private final int mlpSize = config.mlp().size();
        private final float eps = (float) config.normEps();
        private final float[] x;        // (n, hidden) residual stream
        private final float[] delta;    // (n, hidden) a block's output
        private final float[] q;        // (n, queryHeads·keySize)
        private final float[] k;        // (n, kvHeads·keySize)
        private final float[] v;        // (n, kvHeads·valueSize)
        private final float[] att;      // (n, queryHeads·valueSize)
        private final float[] inner;    // (n, mlp)
        private final float[] rowIn;    // one position, for the per-row kernels
        private final float[] rowOut;
        private final float[] keys;     // one sequence's k rows, as the attention kernel reads them from index 0
        private final float[] values;   // one sequence's v rows

        Pass(int[] lengths) {
            this.lengths = lengths;
            this.n = Arrays.stream(lengths).sum();
            int longest = Arrays.stream(lengths).max().orElse(0);
            x = new float[n * hidden];
            delta = new float[n * hidden];
            q = new float[n * a.queryHeads() * a.keySize()];
            k = new float[n * a.kvHeads() * a.keySize()];
            v = new float[n * a.kvHeads() * a.valueSize()];
            att = new float[n * a.queryHeads() * a.valueSize()];
            inner = new float[n * mlpSize];
            rowIn = new float[Math.max(hidden, a.queryHeads() * a.keySize())];
            rowOut = new float[Math.max(hidden, a.queryHeads() * a.valueSize())];
            keys = new float[longest * a.kvHeads() * a.keySize()];
            values = new float[longest * a.kvHeads() * a.valueSize()];
        }

        /**
         * x[row] ← tok_emb[token] + pos_emb[t] (+ type_emb[type]) for position t of each sequence, each embedding row
         * read in place, added in that order.
         */
        void embed(int[][] tokens, int[][] types) {
            float[] token = new float[hidden];
            float[] position = new float[hidden];
            float[] type = new float[hidden];
            int row = 0;
            for (int s = 0; s < tokens.length; s++) {
                for (int t = 0; t < tokens[s].length; t++, row++) {
                    tokenEmbedding.row(tokens[s][t], token);
                    positionEmbedding.row(t, position);
                    if (typeEmbedding != null) {
                        typeEmbedding.row(types[s][t], type);
                    }
                    for (int i = 0; i < hidden; i++) {
                        float e = token[i] + position[i];
                        x[row * hidden + i] = typeEmbedding == null ? e : e + type[i];
                    }
                }
            }
            normRows(embeddingNorm, embeddingNormBias);
        }

        void attentionBlock(LayerArrays<Weight> w) {
            project(x, w.wq(), w.bq(), q, a.queryHeads() * a.keySize());
            project(x, w.wk(), w.bk(), k, a.kvHeads() * a.keySize());
            project(x, w.wv(), w.bv(), v, a.kvHeads() * a.valueSize());
            int first = 0;
            for (int length : lengths) {
                attendWithin(first, length);
                first += length;
            }
            project(att, w.wo(), w.bo(), delta, hidden);
            backend.add(x, delta, n * hidden);
            normRows(w.attentionNorm(), w.attentionNormBias());
        }

        /** att rows [first, first + length) ← each query of one sequence attending to every key of that sequence. */
        private void attendWithin(int first, int length) {
            int qWidth = a.queryHeads() * a.keySize();
            int kWidth = a.kvHeads() * a.keySize();
            int vWidth = a.kvHeads() * a.valueSize();
            int outWidth = a.queryHeads() * a.valueSize();
            System.arraycopy(k, first * kWidth, keys, 0, length * kWidth);
            System.arraycopy(v, first * vWidth, values, 0, length * vWidth);
            for (int t = first; t < first + length; t++) {
                System.arraycopy(q, t * qWidth, rowIn, 0, qWidth);
                backend.attention(rowIn, keys, values, rowOut, length - 1, a.queryHeads(), a.kvHeads(), a.keySize(),
                        a.valueSize());
                System.arraycopy(rowOut, 0, att, t * outWidth, outWidth);
            }
        }

        void mlpBlock(LayerArrays<Weight> w) {
            project(x, w.wUp(), w.bUp(), inner, mlpSize);
            switch (config.mlp().activation()) {
                case RELU -> backend.relu(inner, n * mlpSize);
                case GELU -> backend.gelu(inner, n * mlpSize);
                case GELU_TANH -> backend.geluTanh(inner, n * mlpSize);
                case SWIGLU -> throw new IllegalStateException("refused by ForwardSupport.checkEncoder");
            }
            project(inner, w.wDown(), w.bDown(), delta, hidden);
            backend.add(x, delta, n * hidden);
            normRows(w.mlpNorm(), w.mlpNormBias());
        }

        /**
         * out (n, rows) = in (n, cols) · w^T, plus the bias on every row when present: one matrix product over all
         * positions, so each weight is read once per layer (in place where the backend can).
         */
        private void project(float[] in, Weight w, Weight bias, float[] out, int rows) {
            w.matmul(backend, in, n, out);
            if (bias != null) {
                float[] b = bias.floats();
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        out[t * rows + r] += b[r];
                    }
                }
            }
        }

        /** x[t] ← LayerNorm(x[t]) for every position t. */
        private void normRows(Weight gainWeight, Weight biasWeight) {
            float[] gain = gainWeight.floats();
            float[] bias = biasWeight.floats();
            for (int t = 0; t < n; t++) {
                System.arraycopy(x, t * hidden, rowIn, 0, hidden);
                backend.layernorm(rowOut, rowIn, gain, bias, eps, hidden);
                System.arraycopy(rowOut, 0, x, t * hidden, hidden);
            }
        }

        /** x split into [sequence][position][hidden]. */
        float[][][] sequences() {
            float[][][] out = new float[lengths.length][][];
            int row = 0;
            for (int s = 0; s < lengths.length; s++) {
                out[s] = new float[lengths[s]][];
                for (int t = 0; t < lengths[s]; t++, row++) {
                    out[s][t] = Arrays.copyOfRange(x, row * hidden, (row + 1) * hidden);
                }
            }
            return out;
        }
    }
}
