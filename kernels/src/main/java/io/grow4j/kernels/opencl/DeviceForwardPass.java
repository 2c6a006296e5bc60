package io.grow4j.kernels.opencl;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.forward.ForwardSupport;
import io.grow4j.kernels.forward.Inputs;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import org.jocl.cl_mem;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The float32 forward pass with everything on the OpenCL device: weights, activations and the key/value cache. Each
 * token is one fixed sequence of launches (the {@link DecodePlan}) whose arguments were set when the session was
 * made; the host writes the token, its position and RoPE's cosines and sines (one small write) and reads the logits
 * back. Same semantics as {@link io.grow4j.kernels.forward.ForwardPass}, read from the family's row: RMSNorm or
 * LayerNorm before each branch or after it inside the residual, QK-norm per head or over the whole projection, RoPE
 * in both layouts or learned positions, GQA, biases, SwiGLU/ReLU/GELU/tanh-GELU, tied or untied head.
 *
 * <pre>
 *   embed                      x ← tok_emb[token] (+ pos_emb[position])
 *   per layer l:
 *   layer_l.attention_norm     xb ← norm(x)                                  (pre-norm; else the branches read x)
 *   layer_l.qkv_projection     q ← Wq·xb + bq     keys[l][pos] ← Wk·xb + bk     values[l][pos] ← Wv·xb + bv
 *   layer_l.qk_norm            q, keys[l][pos] RMS-normed per head or whole     (QK-norm models)
 *   layer_l.rope               q, keys[l][pos] rotated                                (RoPE models)
 *   layer_l.attention          att ← softmax(q·keys[l]ᵀ / √k) · values[l]
 *   layer_l.output_projection  x ← x + Wo·att + bo        (post-branch: xb ← Wo·att + bo, then x ← x + norm(xb))
 *   layer_l.mlp_norm           xb ← norm(x)                                  (pre-norm)
 *   layer_l.mlp_up             hb ← silu(Wgate·xb) ⊙ (Wup·xb + bup)   or   act(Wup·xb + bup)
 *   layer_l.mlp_down           x ← x + Wdown·hb + bdown   (post-branch: as the output projection)
 *   final_norm                 xb ← norm(x)
 *   lm_head                    logits ← head·xb                       (head: tok_emb when tied)  → host
 * </pre>
 *
 * Sessions are independent (each owns its activations and cache) and not thread-safe; {@link #close()} frees every
 * session's device memory too.
 */
public final class DeviceForwardPass implements AutoCloseable {
    private final TransformerConfig config;
    private final DecodeProgram program;
    private final DecodeWeights weights;
    private final DeviceTensor placeholder;   // bound where a kernel argument is unused (no bias, no positions)
    private final List<Binding> bindings;
    private final DecodePlan plan;
    private final List<DeviceDecodingSession> sessions = new ArrayList<>();
    private final boolean ownsDevice;

    /** A plan step and how a session's buffers become its kernel arguments. */
    record Binding(DecodePlan.Step step, Function<DecodeBuffers, Object[]> args) {
    }

    private DeviceForwardPass(TransformerConfig config, DecodeProgram program, DecodeWeights weights,
                              boolean ownsDevice) {
        this.config = config;
        this.program = program;
        this.weights = weights;
        this.ownsDevice = ownsDevice;
        DeviceTensor none = null;
        try {
            none = new DeviceTensor(program.device(), io.grow4j.model.DType.F32, new long[] {1}, "placeholder");
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
        this.placeholder = none;
        this.bindings = new PlanBuilder().build();
        this.plan = new DecodePlan(bindings.stream().map(Binding::step).toList());
    }

    /** Uploads the model's weights (as F32) to the program's device; the caller keeps the device open. */
    public DeviceForwardPass(Model model, DecodeProgram program) {
        this(checked(model.config()), program, DecodeWeights.upload(model, program.device()), false);
    }

    /** Opens the profile's device, builds the decoder and uploads the model; {@link #close()} closes the device. */
    public static DeviceForwardPass open(Model model, DeviceProfile profile) {
        checked(model.config());
        ClDevice device = ClDevice.open(profile.device());
        try {
            DecodeProgram program = DecodeProgram.build(device, profile);
            return new DeviceForwardPass(model.config(), program, DecodeWeights.upload(model, device), true);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    /**
     * Starts from tensors already on the device (a model grown there): F32 tensors are read in place and stay owned by
     * the caller, who must keep them open while this pass lives; other dtypes are converted on the device. Nothing
     * goes through the host.
     */
    public static DeviceForwardPass fromDevice(TransformerConfig config, Map<TensorKey, DeviceTensor> tensors,
                                               DecodeProgram program) {
        checked(config);
        DecodeWeights weights = DecodeWeights.adopt(config, tensors, program.device(), program.sizes().padGroup());
        return new DeviceForwardPass(config, program, weights, false);
    }

    private static TransformerConfig checked(TransformerConfig config) {
        ForwardSupport.check(config);
        if (config.architecture().mixtureOfExperts()) {
            throw new IllegalArgumentException("cannot run this model on the device: " + config.architecture().id()
                    + " routes each token among " + config.mlp().experts() + " experts, which the OpenCL decode"
                    + " program does not implement yet (use the cpu backend)");
        }
        List<String> parts = new ArrayList<>(ForwardSupport.gemmaParts(config));
        if (config.architecture().parallelResidual()) {
            parts.add("a parallel residual (attention and MLP both read the block's input)");
        }
        parts.addAll(ForwardSupport.ropeParts(config));
        if (!parts.isEmpty()) {
            throw new IllegalArgumentException("cannot run this model on the device: " + config.architecture().id()
                    + " has " + String.join(", ", parts) + ", which the OpenCL decode program does not implement"
                    + " (use the cpu backend)");
        }
        return config;
    }

    public TransformerConfig config() {
        return config;
    }

    public DecodePlan plan() {
        return plan;
    }

    /** The device, in words, with the decoder's layout. */
    public String device() {
        return program.device().info().describe() + ", " + program.layout() + " layout";
    }

    public DecodeProgram program() {
        return program;
    }

    public DeviceDecodingSession newSession() {
        DeviceDecodingSession session = new DeviceDecodingSession(this, program, bindings);
        sessions.add(session);
        return session;
    }

    /** Logits at every position of the sequence: [tokens.length][vocab]. */
    public float[][] logits(int[] tokens) {
        Inputs.checkSequence(tokens, config);
        try (DeviceDecodingSession session = newSession()) {
            float[][] out = new float[tokens.length][];
            for (int i = 0; i < tokens.length; i++) {
                out[i] = session.next(tokens[i]);
            }
            return out;
        }
    }

    void closed(DeviceDecodingSession session) {
        sessions.remove(session);
    }

    @Override
    public void close() {
        for (DeviceDecodingSession s : List.copyOf(sessions)) {
            s.close();
        }
        weights.close();
        placeholder.close();
        if (ownsDevice) {
            program.device().close();
        }
    }

    /** Builds the launch sequence of the class comment; each step's arguments are read from a session's buffers. */
    private final class PlanBuilder {
        private static final int STORE = 0;
        private static final int RESIDUAL = 1;
        private final List<Binding> out = new ArrayList<>();
        private final DecodeSizes sizes = program.sizes();
        private final AttentionConfig a = config.attention();
        private final int hidden = config.hidden();
        private final cl_mem none = placeholder.buffer();
        private final boolean preNorm = config.normPlacement() == Architecture.NormPlacement.PRE;
        /** A branch's input: xb (normed) before a pre-norm branch, the stream x itself otherwise. */
        private final Function<DecodeBuffers, cl_mem> branchIn = preNorm ? b -> b.xb : b -> b.x;

        List<Binding> build() {
            boolean learned = config.positions() instanceof Positions.Learned;
            cl_mem positions = learned ? weights.get(Role.POSITION_EMBEDDING) : none;
            elementwise("embed", "embed", hidden,
                    b -> new Object[] {weights.get(Role.TOKEN_EMBEDDING), positions, b.x, b.step, hidden, learned ? 1 : 0});
            for (int l = 0; l < config.layers(); l++) {
                layer(l);
            }
            norm("final_norm", weights.get(Role.FINAL_NORM), weights.optional(Role.FINAL_NORM_BIAS, -1, none), false);
            cl_mem head = config.tiedEmbeddings() ? weights.get(Role.TOKEN_EMBEDDING) : weights.get(Role.OUTPUT);
            project("lm_head", head, null, config.vocabSize(), hidden, STORE, b -> b.xb, b -> b.logits);
            return out;
        }

        private void layer(int l) {
            String p = "layer_" + l + ".";
            branchInput(p + "attention_norm", Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l);
            qkv(p + "qkv_projection", l);
            qkNorm(p + "qk_norm", l);
            if (config.positions() instanceof Positions.Rope rope) {
                int pairs = a.keySize() / 2;
                int half = rope.layout() == io.grow4j.model.RopeLayout.HALF_SPLIT ? 1 : 0;
                elementwise(p + "rope", "rope", (long) (a.queryHeads() + a.kvHeads()) * pairs,
                        b -> new Object[] {b.q, b.keys[l], b.step, a.queryHeads(), a.kvHeads(), a.keySize(), half});
            }
            float scale = (float) (1.0 / Math.sqrt(a.keySize()));
            int group = sizes.attentionGroup();
            step(p + "attention", "attention", new long[] {(long) a.queryHeads() * group}, new long[] {group},
                    b -> new Object[] {b.q, b.keys[l], b.values[l], b.att, b.scores, b.step, b.capacity,
                            a.queryHeads(), a.kvHeads(), a.keySize(), a.valueSize(), scale});
            branchOutput(p + "output_projection", weights.get(Role.WO, l), weights.optional(Role.BO, l, null),
                    a.queryHeads() * a.valueSize(), b -> b.att, Role.ATTENTION_NORM, Role.ATTENTION_NORM_BIAS, l);
            branchInput(p + "mlp_norm", Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
            mlpUp(p + "mlp_up", l);
            branchOutput(p + "mlp_down", weights.get(Role.W_DOWN, l), weights.optional(Role.B_DOWN, l, null),
                    config.mlp().size(), b -> b.hb, Role.MLP_NORM, Role.MLP_NORM_BIAS, l);
        }

        /** A pre-norm branch reads xb = norm(x); otherwise the branch reads x itself and nothing runs here. */
        private void branchInput(String name, Role gain, Role bias, int l) {
            if (preNorm) {
                norm(name, weights.get(gain, l), weights.optional(bias, l, none), false);
            }
        }

        /** x += W·in + b, or, after a post-branch norm (OLMo-2), xb = W·in + b then x += norm(xb). */
        private void branchOutput(String name, cl_mem w, cl_mem bias, int cols, Function<DecodeBuffers, cl_mem> in,
                                  Role gain, Role gainBias, int l) {
            if (preNorm) {
                project(name, w, bias, hidden, cols, RESIDUAL, in, b -> b.x);
                return;
            }
            project(name, w, bias, hidden, cols, STORE, in, b -> b.xb);
            norm(name + "_norm", weights.get(gain, l), weights.optional(gainBias, l, none), true);
        }

        /** The family's QK-norm on q and on this position's cached key row (per head or whole projection). */
        private void qkNorm(String name, int l) {
            Architecture.QkNorm kind = config.architecture().qkNorm();
            if (kind == Architecture.QkNorm.NONE) {
                return;
            }
            boolean perHead = kind == Architecture.QkNorm.PER_HEAD;
            cl_mem gq = perHead ? weights.get(Role.Q_HEAD_NORM, l) : weights.get(Role.Q_NORM, l);
            cl_mem gk = perHead ? weights.get(Role.K_HEAD_NORM, l) : weights.get(Role.K_NORM, l);
            int qSegments = perHead ? a.queryHeads() : 1;
            int kSegments = perHead ? a.kvHeads() : 1;
            int size = perHead ? a.keySize() : a.queryHeads() * a.keySize();
            int keyRow = a.kvHeads() * a.keySize();
            int group = sizes.normGroup();
            float eps = (float) config.normEps();
            // whole projection: keys may have fewer rows than queries (GQA), so they are their own launch
            if (perHead) {
                step(name, "qk_norm", new long[] {(long) (qSegments + kSegments) * group}, new long[] {group},
                        b -> new Object[] {b.q, b.keys[l], b.step, gq, gk, qSegments, size, keyRow, eps});
            } else {
                step(name + "_q", "qk_norm", new long[] {group}, new long[] {group},
                        b -> new Object[] {b.q, b.keys[l], b.step, gq, gk, 1, size, keyRow, eps});
                step(name + "_k", "qk_norm", new long[] {group}, new long[] {group},
                        b -> new Object[] {b.q, b.keys[l], b.step, gq, gk, 0, keyRow, keyRow, eps});
            }
        }

        private void qkv(String name, int l) {
            int qRows = a.queryHeads() * a.keySize();
            int kRows = a.kvHeads() * a.keySize();
            int vRows = a.kvHeads() * a.valueSize();
            cl_mem bq = weights.optional(Role.BQ, l, null);
            cl_mem bk = weights.optional(Role.BK, l, null);
            cl_mem bv = weights.optional(Role.BV, l, null);
            int mask = (bq != null ? 1 : 0) | (bk != null ? 2 : 0) | (bv != null ? 4 : 0);
            long[][] range = sizes.project(qRows, kRows, vRows);
            step(name, "project", range[0], range[1], b -> new Object[] {
                    weights.get(Role.WQ, l), weights.get(Role.WK, l), weights.get(Role.WV, l),
                    orNone(bq), orNone(bk), orNone(bv), branchIn.apply(b), b.q, b.keys[l], b.values[l],
                    qRows, kRows, vRows, hidden, mask, STORE, b.step, kRows, vRows});
        }

        private void mlpUp(String name, int l) {
            int rows = config.mlp().size();
            cl_mem bias = weights.optional(Role.B_UP, l, null);
            switch (config.mlp().activation()) {
                case SWIGLU -> {
                    long[][] range = sizes.project(rows);
                    cl_mem gateBias = weights.optional(Role.B_GATE, l, null);
                    step(name, "project_swiglu", range[0], range[1], b -> new Object[] {
                            weights.get(Role.W_GATE, l), weights.get(Role.W_UP, l), orNone(bias), orNone(gateBias),
                            branchIn.apply(b), b.hb, rows, hidden, bias != null ? 1 : 0, gateBias != null ? 1 : 0});
                }
                case RELU -> project(name, weights.get(Role.W_UP, l), bias, rows, hidden, 2, branchIn, b -> b.hb);
                case GELU -> project(name, weights.get(Role.W_UP, l), bias, rows, hidden, 3, branchIn, b -> b.hb);
                case GELU_TANH -> project(name, weights.get(Role.W_UP, l), bias, rows, hidden, 4, branchIn,
                        b -> b.hb);
            }
        }

        /** xb = norm(x), or (residualAdd) x += norm(xb): a post-branch norm of the branch output in xb. */
        private void norm(String name, cl_mem gain, cl_mem bias, boolean residualAdd) {
            int group = sizes.normGroup();
            float eps = (float) config.normEps();
            int layer = config.normKind() == NormKind.LAYER ? 1 : 0;
            step(name, "norm", new long[] {group}, new long[] {group}, residualAdd
                    ? b -> new Object[] {b.x, b.xb, gain, bias, eps, hidden, layer, 1}
                    : b -> new Object[] {b.xb, b.x, gain, bias, eps, hidden, layer, 0});
        }

        private void project(String name, cl_mem w, cl_mem bias, int rows, int cols, int mode,
                             Function<DecodeBuffers, cl_mem> in, Function<DecodeBuffers, cl_mem> result) {
            long[][] range = sizes.project(rows, 0, 0);
            step(name, "project", range[0], range[1], b -> new Object[] {w, none, none, orNone(bias), none, none,
                    in.apply(b), result.apply(b), none, none, rows, 0, 0, cols, bias != null ? 1 : 0, mode, b.step,
                    0, 0});
        }

        private void elementwise(String name, String kernel, long items, Function<DecodeBuffers, Object[]> args) {
            long[][] range = sizes.elementwise(items);
            step(name, kernel, range[0], range[1], args);
        }

        private void step(String name, String kernel, long[] global, long[] local,
                          Function<DecodeBuffers, Object[]> args) {
            if (global[0] > 0) { // an empty range (a zero-size tensor) is no work, and OpenCL refuses it
                out.add(new Binding(new DecodePlan.Step(name, kernel, global, local), args));
            }
        }

        private cl_mem orNone(cl_mem m) {
            return m == null ? none : m;
        }
    }
}
