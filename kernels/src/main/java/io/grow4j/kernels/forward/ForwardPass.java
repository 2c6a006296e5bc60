package io.grow4j.kernels.forward;

import io.grow4j.kernels.KernelBackend;
import io.grow4j.kernels.TensorKernels;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.RopeFrequencies;
import io.grow4j.model.TransformerConfig;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The float32 forward pass on any {@link KernelBackend}. Matrices stay in the model's tensors (slices of the mapped
 * files) and are read in their stored dtype by backends with {@link io.grow4j.kernels.TensorKernels}; other backends
 * get float copies (see {@link Weight}). Each session owns its activation buffers and key/value cache, so sessions
 * over one ForwardPass are independent. {@link #logits(int[][])} scores whole sequences as matrix–matrix products.
 *
 * <pre>
 *   x ← tok_emb[token] (+ pos_emb[position])
 *   per layer:  in ← norm(x) (pre-norm) or x (post-branch); parallel residual: the MLP's in reads x as the block got it
 *               q,k,v ← Wq·in+bq, Wk·in+bk, Wv·in+bv   qknorm(q), qknorm(k)   rope(q), rope(k)   cache ← k,v
 *               out ← Wo·attention(q, cache) + bo      x ← x + out, or x + norm(out) (post-branch)
 *               in ← norm(x) or x      out ← Wdown·act(Wup·in+bup [, Wgate·in]) + bdown      x ← x + out or norm(out)
 *               (mixture of experts: out ← Σ over the routed top-k experts of weight · expert(in), see MixtureOfExperts)
 *   logits ← head · norm(x)                  (norm: RMSNorm, or LayerNorm with a bias for GPT-2)
 * </pre>
 * Gemma adds sandwich norms (a norm on each branch's input and output), (1 + w) gains, embeddings × sqrt(hidden),
 * GeGLU, and its {@link AttentionShape} (attention scalar, soft caps, sliding layers with their own RoPE base).
 * Which norm sits where and which QK-norm applies come from the family's row ({@link io.grow4j.model.Architecture}),
 * as in {@link ReferenceForward}.
 */
public final class ForwardPass {
    private final TransformerConfig config;
    private final KernelBackend backend;
    private final Weight tokenEmbedding;     // (vocab, hidden)
    private final float[] positionEmbedding; // (maxSeqLen, hidden), learned positions only, else null
    private final List<LayerArrays<Weight>> layers;
    private final float[] finalNorm;         // (hidden)
    private final float[] finalNormBias;     // (hidden), LayerNorm only, else null
    private final Weight outputHead;         // (vocab, hidden), the token embedding itself when tied
    private final RopeFrequencies[] frequencies; // per layer, RoPE models only, else null entries
    private final float embeddingMultiplier;    // sqrt(hidden) in the embedding's dtype (Gemma), else 1
    private final double gainOffset;            // 1 for (1 + w) norms (Gemma), else 0

    /** Wraps the model's weights (no copy on backends that read tensors in place); the backend stays the caller's. */
    public ForwardPass(Model model, KernelBackend backend) {
        this.config = model.config();
        this.backend = backend;
        ForwardSupport.check(config);
        this.tokenEmbedding = new Weight(model.tensor(Role.TOKEN_EMBEDDING));
        this.positionEmbedding = Role.POSITION_EMBEDDING.presentIn(config)
                ? model.tensor(Role.POSITION_EMBEDDING).toFloatArray() : null;
        this.layers = LayerArrays.weights(model);
        this.gainOffset = config.normKind().offset();
        this.finalNorm = new Weight(model.tensor(Role.FINAL_NORM)).gain(gainOffset);
        this.finalNormBias = Role.FINAL_NORM_BIAS.presentIn(config)
                ? model.tensor(Role.FINAL_NORM_BIAS).toFloatArray() : null;
        this.outputHead = config.tiedEmbeddings() ? tokenEmbedding : new Weight(model.outputHead());
        this.frequencies = ShapedScores.layerFrequencies(config);
        this.embeddingMultiplier = (float) ShapedScores.embeddingMultiplier(config,
                model.tensor(Role.TOKEN_EMBEDDING).dtype());
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

    /**
     * Logits at every position of every sequence, [sequences][positions][vocab], all positions of the batch run
     * through each layer together: every projection is one matrix–matrix product, so each weight is read once per
     * layer per batch. Each entry equals what {@link #logits(int[])} gives for that sequence (same sums per row).
     */
    public float[][][] logits(int[][] sequences) {
        return logits(sequences, () -> { });
    }

    /**
     * {@link #logits(int[][])}, calling {@code stageDone} after each of the batch's {@link #stages()} (every layer,
     * then the output head), so a caller can show progress through a large model.
     */
    public float[][][] logits(int[][] sequences, Runnable stageDone) {
        for (int[] tokens : sequences) {
            Inputs.checkSequence(tokens, config);
        }
        return new Prefill(sequences, stageDone).run();
    }

    /** The stages of one batch that {@link #logits(int[][], Runnable)} reports: the layers and the output head. */
    public int stages() {
        return layers.size() + 1;
    }

    /**
     * Heap bytes scoring a batch of {@code positions} positions needs (an estimate, within a small factor): the float
     * copies of weights the backend cannot read in place, every position's activations (a row of each buffer, twice
     * for the gathered products), its key/value cache, its logits, and one head's attention scores of the longest
     * sequence (positions², at most maxSeqLen²).
     */
    public long heapBytes(int positions) {
        AttentionConfig a = config.attention();
        long width = Math.max(a.keySize(), a.valueSize());
        long perRow = 5L * config.hidden() + 4L * config.mlp().size() + 8L * a.queryHeads() * width
                + 4L * a.kvHeads() * width + 3L * config.vocabSize();
        long cache = 2L * config.layers() * a.kvHeads() * width;
        long longest = Math.min(positions, config.maxSeqLen());
        long attentionScores = longest * longest; // one head's [t, t] scores of the batch's longest sequence
        return Float.BYTES * (positions * (perRow + cache) + attentionScores + copiedFloats());
    }

    /** Floats the pass holds as copies: small vectors always, matrices only where the backend needs arrays. */
    private long copiedFloats() {
        long floats = finalNorm.length + (positionEmbedding == null ? 0 : positionEmbedding.length);
        List<Weight> all = new java.util.ArrayList<>(List.of(tokenEmbedding, outputHead));
        for (LayerArrays<Weight> layer : layers) {
            all.addAll(layer.present());
        }
        for (Weight w : all) {
            floats += w.tensor().rank() == 1 || !w.inPlace(backend) ? w.tensor().size() : 0;
        }
        return floats;
    }

    /** The tensors whose dtype the backend cannot read in place (they are converted to float copies), by name. */
    public List<String> copiedMatrices() {
        List<String> out = new java.util.ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            for (Weight w : layers.get(l).present()) {
                if (w.tensor().rank() == 2 && !w.inPlace(backend)) {
                    out.add("layer " + l + " " + w.tensor());
                }
            }
        }
        if (!outputHead.inPlace(backend)) {
            out.add("output head " + outputHead.tensor());
        }
        return out;
    }

    public Session newSession() {
        return newSession(16);
    }

    /** A session whose key/value cache has room for {@code positions} from the start (grown by copies otherwise). */
    private Session newSession(int positions) {
        AttentionConfig a = config.attention();
        return new Session(new KvCache(config.layers(), a.kvHeads() * a.keySize(), a.kvHeads() * a.valueSize(),
                config.maxSeqLen(), positions), 0);
    }

    /**
     * One position's activations. A decoding session is one row advanced token by token; a prefill is one row per
     * position of the batch. Each block is split into phases around its products so both run the same code.
     */
    public final class Session implements DecodingSession {
        private final AttentionConfig a = config.attention();
        private final int hidden = config.hidden();
        private final int mlpSize = config.mlp().size();
        private final float eps = (float) config.normEps();
        private final KvCache cache;
        private final float[] x = new float[hidden];                        // residual stream
        private final boolean parallel = config.architecture().parallelResidual();
        private final float[] blockInput = parallel ? new float[hidden] : null; // x at block start (parallel only)
        private final float[] xb = new float[hidden];                       // normed input of a block
        private final float[] xb2 = new float[hidden];                      // a block's output
        private final boolean preNorm = config.normPlacement().normsInput();
        private final AttentionShape shape = config.attentionShape();
        private final float[] qkIn = new float[a.queryHeads() * a.keySize()];   // QK-norm input
        private final float[] qkOut = new float[a.queryHeads() * a.keySize()];  // QK-norm output
        private final float[] q = new float[a.queryHeads() * a.keySize()];
        private final float[] k = new float[a.kvHeads() * a.keySize()];
        private final float[] v = new float[a.kvHeads() * a.valueSize()];
        private final float[] att = new float[a.queryHeads() * a.valueSize()];
        private final float[] hb = new float[mlpSize];
        private final float[] hb2 = new float[mlpSize];
        private MixtureOfExperts experts;
        /** Made on the first decoding step: a prefill's rows (one per position) never need one. */
        private float[] logits;
        private int position;

        private Session(KvCache cache, int position) {
            this.cache = cache;
            this.position = position;
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
                LayerArrays<Weight> w = layers.get(l);
                float[] in = attentionInput(w);
                Weight.matvecs(backend, in, new Weight[] {w.wq(), w.wk(), w.wv()}, new float[][] {q, k, v});
                attend(l, w);
                w.wo().matvec(backend, att, xb2);
                attentionOutput(w);
                in = mlpInput(w);
                if (w.experts() != null) {
                    experts().apply(w.experts(), in, xb2);
                } else {
                    denseMlp(w, in);
                }
                mlpOutput(w);
            }
            if (logits == null) {
                logits = new float[config.vocabSize()];
            }
            outputHead.matvec(backend, finalInput(), logits);
            ShapedScores.softCap(logits, shape.finalSoftCap());
            position++;
            return logits.clone();
        }

        private void embed(int token) {
            tokenEmbedding.row(token, x);
            if (embeddingMultiplier != 1f) {
                for (int i = 0; i < hidden; i++) {
                    x[i] *= embeddingMultiplier;
                }
            }
            if (positionEmbedding != null) {
                for (int i = 0; i < hidden; i++) {
                    x[i] += positionEmbedding[position * hidden + i];
                }
            }
        }

        private float[] attentionInput(LayerArrays<Weight> w) {
            if (parallel) {
                System.arraycopy(x, 0, blockInput, 0, hidden);
            }
            return branchInput(x, w.attentionNorm(), w.attentionNormBias());
        }

        /** q, k, v hold the projections: biases, QK-norm, RoPE, then attention over the cache into att. */
        private void attend(int l, LayerArrays<Weight> w) {
            prepareAttention(l, w);
            attendCached(l);
        }

        /** Biases, QK-norm and RoPE on q, k, v; k and v then go into the cache at this position. */
        private void prepareAttention(int l, LayerArrays<Weight> w) {
            addBias(q, w.bq());
            addBias(k, w.bk());
            addBias(v, w.bv());
            qkNorm(q, a.queryHeads(), w.qNorm());
            qkNorm(k, a.kvHeads(), w.kNorm());
            // SmolLM3's layers without RoPE see no position at all.
            if (config.positions() instanceof Positions.Rope rope && rope.rotates(l)) {
                PartialRotary.rope(backend, q, a.queryHeads(), a.keySize(), position, frequencies[l], rope.layout());
                PartialRotary.rope(backend, k, a.kvHeads(), a.keySize(), position, frequencies[l], rope.layout());
            }
            cache.store(l, position, k, v);
        }

        /** att ← this position's attention over the cached positions of layer l. */
        private void attendCached(int l) {
            if (shape.standard()) {
                backend.attention(q, cache.keys(l), cache.values(l), att, position,
                        a.queryHeads(), a.kvHeads(), a.keySize(), a.valueSize());
            } else {
                ShapedScores.attention(q, cache.keys(l), cache.values(l), att, position, a.queryHeads(),
                        a.kvHeads(), a.keySize(), a.valueSize(), shape.scale(a.keySize()), shape.attentionSoftCap(),
                        shape.firstVisible(l, position));
            }
        }

        /** xb2 holds Wo·att: its bias, then the residual add. */
        private void attentionOutput(LayerArrays<Weight> w) {
            addBias(xb2, w.bo());
            addBranch(w.attentionOutputNorm(), w.attentionNormBias());
        }

        /** The MLP reads the stream after attention, or with parallel residual the block's input (GPT-NeoX). */
        private float[] mlpInput(LayerArrays<Weight> w) {
            return branchInput(parallel ? blockInput : x, w.mlpNorm(), w.mlpNormBias());
        }

        /** xb2 ← Wdown·act(Wup·in [, Wgate·in]) with their biases, the dense MLP of one position. */
        private void denseMlp(LayerArrays<Weight> w, float[] in) {
            if (w.wGate() != null && config.mlp().activation().gated() && w.wUp().inPlace(backend)
                    && w.wGate().inPlace(backend)) {
                // Biases and activation on each thread's rows in the products' parallel pass, not on one thread after.
                ((TensorKernels) backend).matvecsThen(new Tensor[] {w.wUp().tensor(), w.wGate().tensor()}, in,
                        new float[][] {hb2, hb}, new GatedStep(config.mlp().activation(), hb, hb2, floats(w.bUp()),
                                floats(w.bGate())));
            } else if (w.wGate() != null) {
                Weight.matvecs(backend, in, new Weight[] {w.wUp(), w.wGate()}, new float[][] {hb2, hb});
                activate(w);
            } else {
                w.wUp().matvec(backend, in, hb2);
                activate(w);
            }
            w.wDown().matvec(backend, activated(), xb2);
        }

        private static float[] floats(Weight bias) {
            return bias == null ? null : bias.floats();
        }

        /** The session's mixture-of-experts scratch, made on first use (dense models never need one). */
        private MixtureOfExperts experts() {
            if (experts == null) {
                experts = new MixtureOfExperts(backend, hidden, config.mlp());
            }
            return experts;
        }

        /** hb2 holds Wup·in (and hb Wgate·in when gated): the bias, then the activation. */
        private void activate(LayerArrays<Weight> w) {
            addBias(hb2, w.bUp());
            addBias(hb, w.bGate());
            activation(hb, hb2, mlpSize);
        }

        private float[] activated() {
            return config.mlp().activation().gated() ? hb : hb2;
        }

        /** xb2 holds Wdown·h: its bias, then the residual add. */
        private void mlpOutput(LayerArrays<Weight> w) {
            addBias(xb2, w.bDown());
            addBranch(w.mlpOutputNorm(), w.mlpNormBias());
        }

        private float[] finalInput() {
            norm(xb, x, finalNorm, finalNormBias);
            return xb;
        }

        /** A branch reads xb ← norm(stream) before a pre-norm block, the stream itself otherwise. */
        private float[] branchInput(float[] stream, Weight gain, Weight bias) {
            if (!preNorm) {
                return stream;
            }
            norm(xb, stream, gain.gain(gainOffset), bias == null ? null : bias.floats());
            return xb;
        }

        /** x ← x + xb2 (the branch's output), normed first where the norm follows the branch (OLMo-2, Gemma). */
        private void addBranch(Weight gain, Weight bias) {
            if (config.normPlacement().normsOutput()) {
                norm(xb, xb2, gain.gain(gainOffset), bias == null ? null : bias.floats());
                backend.add(x, xb, hidden);
            } else {
                backend.add(x, xb2, hidden);
            }
        }

        /** out ← the norm of in over hidden entries (RMSNorm, or LayerNorm with its bias). */
        private void norm(float[] out, float[] in, float[] gain, float[] bias) {
            switch (config.normKind()) {
                case RMS, RMS_UNIT_OFFSET -> backend.rmsnorm(out, in, gain, eps, hidden);
                case LAYER -> backend.layernorm(out, in, gain, bias, eps, hidden);
            }
        }

        /**
         * The family's QK-norm on vec (heads × keySize), in place: RMSNorm of each head with one shared gain, or of
         * the whole projection; nothing when the gain is null (no QK-norm).
         */
        private void qkNorm(float[] vec, int heads, Weight gainWeight) {
            if (gainWeight == null) {
                return;
            }
            float[] gain = gainWeight.gain(gainOffset);
            int size = gain.length;
            for (int offset = 0; offset < heads * a.keySize(); offset += size) {
                System.arraycopy(vec, offset, qkIn, 0, size);
                backend.rmsnorm(qkOut, qkIn, gain, eps, size);
                System.arraycopy(qkOut, 0, vec, offset, size);
            }
        }

        private void addBias(float[] out, Weight bias) {
            if (bias != null) {
                backend.add(out, bias.floats(), out.length);
            }
        }
    }

    /**
     * The MLP's activation on n entries, in place: gate ← act(gate) · up for gated ones, up ← act(up) otherwise. It is
     * entrywise, so a batch's rows can go through it as one [rows × mlp] call (same values as row by row).
     */
    private void activation(float[] gate, float[] up, int n) {
        switch (config.mlp().activation()) {
            case SWIGLU -> backend.swiglu(gate, up, n);
            case RELU -> backend.relu(up, n);
            case GELU -> backend.gelu(up, n);
            case GELU_TANH -> backend.geluTanh(up, n);
            case GEGLU_TANH -> {
                backend.geluTanh(gate, n);
                for (int i = 0; i < n; i++) {
                    gate[i] *= up[i];
                }
            }
        }
    }

    /**
     * A batch of whole sequences: one {@link Session} row per position (rows of a sequence share its cache), the rows'
     * inputs gathered into one [positions, in] matrix before each projection and its output scattered back.
     */
    private final class Prefill {
        /** Operations per entry of a row's vector in a per-row step (a norm, a bias, an add): to size parallel calls. */
        private static final long ROW_STEP_WORK = 8;
        private final Session[] rows;
        private final int[] tokens;
        private final int[] lengths;
        /** Scratch for the rows' mixture-of-experts blocks, which run one row at a time; null when dense. */
        private final MixtureOfExperts experts = config.architecture().mixtureOfExperts()
                ? new MixtureOfExperts(backend, config.hidden(), config.mlp()) : null;

        private final Runnable stageDone;

        Prefill(int[][] sequences, Runnable stageDone) {
            this.stageDone = stageDone;
            int m = 0;
            for (int[] s : sequences) {
                m += s.length;
            }
            rows = new Session[m];
            tokens = new int[m];
            lengths = new int[sequences.length];
            int i = 0;
            for (int s = 0; s < sequences.length; s++) {
                Session first = newSession(sequences[s].length);
                lengths[s] = sequences[s].length;
                for (int t = 0; t < sequences[s].length; t++, i++) {
                    rows[i] = t == 0 ? first : new Session(first.cache, t);
                    tokens[i] = sequences[s][t];
                }
            }
        }

        float[][][] run() {
            try (Readahead readahead = new Readahead()) {
                return run(readahead);
            }
        }

        private float[][][] run(Readahead readahead) {
            for (int i = 0; i < rows.length; i++) {
                rows[i].embed(tokens[i]);
            }
            readahead.ahead(layers.isEmpty() ? List.of(outputHead) : layers.get(0).present());
            for (int l = 0; l < layers.size(); l++) {
                LayerArrays<Weight> w = layers.get(l);
                readahead.ahead(l + 1 < layers.size() ? layers.get(l + 1).present() : List.of(outputHead));
                final int layer = l;
                float[] in = gather(r -> r.attentionInput(w));
                project(w.wq(), in, r -> r.q);
                project(w.wk(), in, r -> r.k);
                project(w.wv(), in, r -> r.v);
                eachInParallel(r -> r.prepareAttention(layer, w));
                attention(layer);
                project(w.wo(), gather(r -> r.att), r -> r.xb2);
                eachInParallel(r -> r.attentionOutput(w));
                if (w.experts() != null) {
                    // Each row routes to its own experts, so rows run one by one through the decoding code.
                    each(r -> experts.apply(w.experts(), r.mlpInput(w), r.xb2));
                } else {
                    denseMlp(w);
                }
                eachInParallel(r -> r.mlpOutput(w));
                stageDone.run();
            }
            // One [rows, vocab] product, capped entrywise and cut into rows: no per-row logits array to fill and copy.
            float[] logits = product(outputHead, gather(Session::finalInput), config.vocabSize());
            ShapedScores.softCap(logits, config.attentionShape().finalSoftCap());
            stageDone.run();
            return split(logits);
        }

        /**
         * Every row's att for layer l, once every row's key and value are cached: standard attention runs each
         * sequence's heads as matrix products ({@link BatchedAttention}), other shapes row by row.
         */
        private void attention(int l) {
            if (!config.attentionShape().standard()) {
                each(r -> r.attendCached(l));
                return;
            }
            AttentionConfig a = config.attention();
            int start = 0;
            for (int length : lengths) {
                Session[] sequence = java.util.Arrays.copyOfRange(rows, start, start + length);
                float[][] q = java.util.Arrays.stream(sequence).map(r -> r.q).toArray(float[][]::new);
                float[][] att = java.util.Arrays.stream(sequence).map(r -> r.att).toArray(float[][]::new);
                KvCache cache = sequence[0].cache;
                BatchedAttention.run(backend, q, cache.keys(l), cache.values(l), att, a.queryHeads(), a.kvHeads(),
                        a.keySize(), a.valueSize());
                start += length;
            }
        }

        /**
         * Every row's xb2 ← its dense MLP output, each projection one matrix product over the rows. The hidden
         * activations stay one [rows, mlp] matrix from the up and gate products to the down product (no scatter to
         * the rows and gather back), and the activation runs over it in one call, which the backend can split.
         */
        private void denseMlp(LayerArrays<Weight> w) {
            float[] in = gather(r -> r.mlpInput(w));
            int mlp = config.mlp().size();
            float[] up = product(w.wUp(), in, mlp);
            float[] gate = w.wGate() != null ? product(w.wGate(), in, mlp) : null;
            addRowBias(up, w.bUp());
            addRowBias(gate, w.bGate());
            activation(gate, up, rows.length * mlp);
            project(w.wDown(), config.mlp().activation().gated() ? gate : up, r -> r.xb2);
        }

        /** in [rows, in] · Wᵀ: [rows, n]. */
        private float[] product(Weight w, float[] in, int n) {
            float[] out = new float[rows.length * n];
            w.matmul(backend, in, rows.length, out);
            return out;
        }

        /** Each row of matrix (rows of bias.length) += bias, as Session.addBias adds it to one row; none if null. */
        private void addRowBias(float[] matrix, Weight bias) {
            if (matrix == null || bias == null) {
                return;
            }
            float[] b = bias.floats();
            for (int i = 0; i < matrix.length; i++) {
                matrix[i] += b[i % b.length];
            }
        }

        /** [rows, n] of each row's vector (computing it where row does: a norm), the rows split between threads. */
        private float[] gather(Function<Session, float[]> row) {
            int n = row.apply(rows[0]).length;
            float[] out = new float[rows.length * n];
            backend.parallelFor(rows.length, ROW_STEP_WORK * n, (from, to) -> {
                for (int i = from; i < to; i++) {
                    System.arraycopy(row.apply(rows[i]), 0, out, i * n, n);
                }
            });
            return out;
        }

        private void project(Weight w, float[] in, Function<Session, float[]> target) {
            int n = target.apply(rows[0]).length;
            float[] out = product(w, in, n);
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(out, i * n, target.apply(rows[i]), 0, n);
            }
        }

        private void each(Consumer<Session> step) {
            for (Session row : rows) {
                step.accept(row);
            }
        }

        /**
         * {@link #each}, the rows split between the backend's threads: for steps that touch only their row's buffers
         * (norms, biases, residual adds, RoPE) and its own position of the sequence's cache, which was sized for the
         * sequence up front and so is never reallocated here. One thread doing them all left the other idle for a
         * tenth of a one-thread prefill's samples.
         */
        private void eachInParallel(Consumer<Session> step) {
            backend.parallelFor(rows.length, ROW_STEP_WORK * config.hidden(), (from, to) -> {
                for (int i = from; i < to; i++) {
                    step.accept(rows[i]);
                }
            });
        }

        /** [sequences][positions][vocab] from the batch's [rows, vocab] logits. */
        private float[][][] split(float[] logits) {
            int vocab = config.vocabSize();
            float[][][] out = new float[lengths.length][][];
            int i = 0;
            for (int s = 0; s < lengths.length; s++) {
                out[s] = new float[lengths[s]][];
                for (int t = 0; t < lengths[s]; t++, i++) {
                    out[s][t] = java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
                }
            }
            return out;
        }
    }
}
