package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SequencedMap;

/**
 * The config keys of a GGUF decoder ("{arch}.embedding_length" ...), as llama.cpp reads them: head count kv defaults
 * to the head count, key and value length to embedding / heads, the RoPE base to 10000; the vocabulary comes from the
 * token embedding's shape and the head is tied when output.weight is absent. Keys for things grow4j does not model
 * (experts, RoPE scaling, partial rotary) are refused rather than ignored.
 *
 * <p>GGUF stores the norm epsilon and RoPE base as float32. A float32 is read back as the shortest decimal that rounds
 * to it (1e-5, as the converter took it from config.json, not 9.99999974e-6). Where a config value is not such a
 * decimal (hidden growth scales eps by h/h'), the exact double also goes into a "grow4j." float64 key, which llama.cpp
 * ignores and the reader prefers while it still rounds to the float32 key.
 */
final class GgufConfigCodec {
    static final String CONTEXT = "context_length";
    static final String EMBEDDING = "embedding_length";
    static final String BLOCKS = "block_count";
    static final String FFN = "feed_forward_length";
    static final String HEADS = "attention.head_count";
    static final String KV_HEADS = "attention.head_count_kv";
    static final String KEY_LENGTH = "attention.key_length";
    static final String VALUE_LENGTH = "attention.value_length";
    static final String EPS = "attention.layer_norm_rms_epsilon";
    static final String ROPE_BASE = "rope.freq_base";
    static final String ROPE_DIMS = "rope.dimension_count";
    static final String VOCAB = "vocab_size";
    static final String EXACT_PREFIX = "grow4j.";
    static final String FILE_TYPE = "general.file_type";
    static final String PARAMETER_COUNT = "general.parameter_count";
    private static final double DEFAULT_ROPE_BASE = 10000.0;
    /** llama.cpp's llama_ftype for files whose weights are all of one float type. */
    private static final Map<DType, Integer> FILE_TYPES = Map.of(DType.F32, 0, DType.F16, 1, DType.BF16, 32);

    private GgufConfigCodec() {
    }

    static TransformerConfig read(Path path, GgufFile file, GgufFamily family) throws CheckpointException {
        String p = family.name() + ".";
        GgufFields f = new GgufFields(path, file.metadata());
        int hidden = f.integer(p + EMBEDDING, 1);
        int heads = f.integer(p + HEADS, 1);
        int kvHeads = f.integer(p + KV_HEADS, 1, heads);
        int derived = hidden % heads == 0 ? hidden / heads : -1;
        if (derived < 0 && !f.has(p + KEY_LENGTH)) {
            f.problem("no " + p + KEY_LENGTH + ", and the head count " + heads + " does not divide the embedding length "
                    + hidden);
        }
        int keySize = f.integer(p + KEY_LENGTH, 1, Math.max(derived, 2));
        int valueSize = f.integer(p + VALUE_LENGTH, 1, derived > 0 ? derived : keySize);
        int mlp = f.integer(p + FFN, 1);
        int layers = f.integer(p + BLOCKS, 0);
        String tooManyLayers = LayerCount.problem(p + BLOCKS, layers, file.tensors().size());
        if (tooManyLayers != null) {
            f.problem(tooManyLayers);
            layers = 0;
        }
        int context = f.integer(p + CONTEXT, 1);
        double eps = exactReal(f, p + EPS, Double.NaN);
        double theta = exactReal(f, p + ROPE_BASE, DEFAULT_ROPE_BASE);
        refuseUnmodelled(f, p, keySize);
        int vocab = vocabulary(f, p, file, family);
        boolean tied = !file.tensors().containsKey(family.tensorName(TensorKey.global(Role.OUTPUT)));
        f.check("cannot read the " + family.name() + " config from its metadata");
        try {
            return new TransformerConfig(family.architecture(), vocab, hidden, layers, context,
                    new AttentionConfig(heads, kvHeads, keySize, valueSize, false),
                    new MlpConfig(mlp, Activation.SWIGLU, false), eps, new Positions.Rope(theta, family.ropeLayout()),
                    tied);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(path, "inconsistent " + family.name() + " config: " + e.getMessage(), e);
        }
    }

    /**
     * The value of a real key: grow4j's exact float64 when present and still rounding to the stored value (nobody
     * edited the file since), else the shortest decimal of a float32, or a float64 as it is.
     */
    private static double exactReal(GgufFields f, String key, double absent) {
        boolean required = Double.isNaN(absent);
        if (!f.has(key)) {
            return required ? f.real(key) : absent;
        }
        double stored = f.real(key, absent);
        if (!(f.get(key) instanceof GgufValue.Float32 single)) {
            return stored;
        }
        if (f.get(EXACT_PREFIX + key) instanceof GgufValue.Float64 exact
                && Float.floatToRawIntBits((float) exact.value()) == Float.floatToRawIntBits(single.value())) {
            return exact.value();
        }
        return Double.parseDouble(Float.toString(single.value()));
    }

    private static void refuseUnmodelled(GgufFields f, String p, int keySize) {
        if (f.integer(p + "expert_count", 0, 0) > 0) {
            f.problem(p + "expert_count " + f.get(p + "expert_count") + ": mixture-of-experts models are not supported");
        }
        String scaling = f.string(p + "rope.scaling.type", "none");
        double factor = f.real(p + "rope.scaling.factor", 1.0);
        if (!scaling.equals("none") && factor != 1.0) {
            f.problem(p + "rope.scaling.type '" + scaling + "' with factor " + factor
                    + " is not supported (plain RoPE only)");
        }
        int rotary = f.integer(p + ROPE_DIMS, 0, keySize);
        if (rotary != keySize) {
            f.problem(p + ROPE_DIMS + " " + rotary + " rotates part of each head of size " + keySize
                    + "; partial RoPE is not supported");
        }
    }

    /** From the token embedding's shape, which llama.cpp trusts too; a vocab_size key must agree with it. */
    private static int vocabulary(GgufFields f, String p, GgufFile file, GgufFamily family) {
        String name = family.tensorName(TensorKey.global(Role.TOKEN_EMBEDDING));
        GgufTensorInfo embedding = file.tensors().get(name);
        if (embedding == null || embedding.dims().length != 2 || embedding.shape()[0] > Integer.MAX_VALUE
                || embedding.shape()[0] < 1) {
            f.problem(embedding == null ? "missing tensor " + name + " (it gives the vocabulary size)"
                    : "tensor " + name + " has dims " + Arrays.toString(embedding.dims())
                    + ", expected [embedding_length, vocabulary]");
            return 1;
        }
        int vocab = (int) embedding.shape()[0];
        int declared = f.integer(p + VOCAB, 1, vocab);
        if (declared != vocab) {
            f.problem(p + VOCAB + " " + declared + " disagrees with " + name + ", which has " + vocab + " rows");
        }
        return vocab;
    }

    /**
     * Sets every key the config determines in {@code m}, in place where the key exists (so file order is kept) and
     * appended otherwise; general.architecture goes first, as the spec asks. Keys that describe the tensors
     * (file type, parameter count) are updated too; everything else is left as it was.
     */
    static void write(TransformerConfig c, GgufFamily family, DType dtype, long parameters,
            SequencedMap<String, GgufValue> m) {
        String p = family.name() + ".";
        AttentionConfig a = c.attention();
        m.putFirst(GgufFile.ARCHITECTURE_KEY, GgufValue.Str.of(family.name()));
        uint32(m, p + CONTEXT, c.maxSeqLen());
        uint32(m, p + EMBEDDING, c.hidden());
        uint32(m, p + BLOCKS, c.layers());
        uint32(m, p + FFN, c.mlp().size());
        uint32(m, p + HEADS, a.queryHeads());
        uint32(m, p + KV_HEADS, a.kvHeads());
        uint32(m, p + KEY_LENGTH, a.keySize());
        uint32(m, p + VALUE_LENGTH, a.valueSize());
        uint32(m, p + ROPE_DIMS, a.keySize());
        real(m, p + EPS, c.normEps());
        real(m, p + ROPE_BASE, ((Positions.Rope) c.positions()).theta());
        if (m.containsKey(p + VOCAB)) {
            uint32(m, p + VOCAB, c.vocabSize());
        }
        uint32(m, GgufFile.ALIGNMENT_KEY, GgufWriter.ALIGNMENT);
        Integer fileType = dtype == null ? null : FILE_TYPES.get(dtype);
        if (fileType == null) {
            m.remove(FILE_TYPE);
        } else {
            uint32(m, FILE_TYPE, fileType);
        }
        if (m.containsKey(PARAMETER_COUNT)) {
            m.put(PARAMETER_COUNT, new GgufValue.Int(GgufType.UINT64, parameters));
        }
    }

    private static void uint32(SequencedMap<String, GgufValue> m, String key, long value) {
        m.put(key, new GgufValue.Int(GgufType.UINT32, value));
    }

    /** float32 for llama.cpp; the exact double beside it only when the float32 would not read back as it. */
    private static void real(SequencedMap<String, GgufValue> m, String key, double value) {
        float single = (float) value;
        m.put(key, new GgufValue.Float32(single));
        if (Double.parseDouble(Float.toString(single)) == value) {
            m.remove(EXACT_PREFIX + key);
        } else {
            m.put(EXACT_PREFIX + key, new GgufValue.Float64(value));
        }
    }
}
