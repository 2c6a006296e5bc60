package io.grow4j.model.format;

import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.RopeScaling;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    static final String EXPERTS = "expert_count";
    static final String EXPERTS_USED = "expert_used_count";
    static final String SCALING_TYPE = "rope.scaling.type";
    static final String SCALING_FACTOR = "rope.scaling.factor";
    static final String EXACT_PREFIX = "grow4j.";
    static final String FILE_TYPE = "general.file_type";
    static final String PARAMETER_COUNT = "general.parameter_count";
    private static final double DEFAULT_ROPE_BASE = 10000.0;
    /**
     * llama.cpp's llama_ftype by the type of the weight matrices: ALL_F32 (0), MOSTLY_F16 (1) and MOSTLY_BF16 (32),
     * where "mostly" allows 1-D tensors (norms, biases) in F32.
     */
    private static final Map<DType, Integer> FILE_TYPES = Map.of(DType.F32, 0, DType.F16, 1, DType.BF16, 32);

    private GgufConfigCodec() {
    }

    static TransformerConfig read(Path path, MemorySegment mapped, GgufFile file, GgufFamily family)
            throws CheckpointException {
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
        // the ranges config.json's rms_norm_eps and rope_theta are held to (ConfigFields.number)
        requireFinite(f, p + EPS, eps, false);
        requireFinite(f, p + ROPE_BASE, theta, true);
        refuseUnmodelled(f, p, keySize);
        MlpConfig mlpConfig = mlp(f, p, family, mlp);
        RopeScaling scaling = scaling(f, p, mapped, file, keySize);
        int vocab = vocabulary(f, p, file, family);
        boolean tied = family.tiedOnly()
                || !file.tensors().containsKey(family.tensorName(TensorKey.global(Role.OUTPUT)));
        AttentionShape shape = family.gemma() == null ? AttentionShape.STANDARD
                : family.gemma().read(f, p, hidden, heads, keySize, layers);
        f.check("cannot read the " + family.name() + " config from its metadata");
        try {
            return new TransformerConfig(family.architecture(), vocab, hidden, layers, context,
                    new AttentionConfig(heads, kvHeads, keySize, valueSize, family.qkvBias(), false),
                    mlpConfig, eps, new Positions.Rope(theta, family.ropeLayout(), scaling), tied, 0, false, shape);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(path, "inconsistent " + family.name() + " config: " + e.getMessage(), e);
        }
    }

    /**
     * The value of a real key: grow4j's exact float64 when present and still rounding to the stored value (nobody
     * edited the file since), else the shortest decimal of a float32, or a float64 as it is.
     */
    static double exactReal(GgufFields f, String key, double absent) {
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

    /** NaN and infinite values, and negative (or, when {@code positive}, zero) ones, named with key and value. */
    private static void requireFinite(GgufFields f, String key, double value, boolean positive) {
        if (!Double.isFinite(value) || (positive ? value <= 0 : value < 0)) {
            f.problem(key + " is " + value + "; it must be a finite number " + (positive ? "> 0" : ">= 0"));
        }
    }

    /**
     * The family's gated MLP (SwiGLU, GeGLU for Gemma), dense or with experts: {name}.expert_count experts of feed_forward_length each (llama.cpp's n_ff for a
     * llama file with experts), {name}.expert_used_count of them per token.
     */
    private static MlpConfig mlp(GgufFields f, String p, GgufFamily family, int size) {
        MlpConfig dense = new MlpConfig(Math.max(size, 1), family.activation(), false);
        if (!family.architecture().mixtureOfExperts()) {
            return dense;
        }
        int experts = f.integer(p + EXPERTS, 1);
        int used = f.integer(p + EXPERTS_USED, 1);
        if (used > experts) {
            f.problem(p + EXPERTS_USED + " " + used + " exceeds " + p + EXPERTS + " " + experts);
            return dense.withExperts(experts, experts);
        }
        return dense.withExperts(experts, used);
    }

    private static void refuseUnmodelled(GgufFields f, String p, int keySize) {
        int rotary = f.integer(p + ROPE_DIMS, 0, keySize);
        if (rotary != keySize) {
            f.problem(p + ROPE_DIMS + " " + rotary + " rotates part of each head of size " + keySize
                    + "; partial RoPE is not supported");
        }
    }

    /**
     * llama.cpp's RoPE scaling keys ("none" or "linear" with its factor) and rope_freqs.weight; yarn and longrope
     * compute their frequencies differently from transformers and are refused rather than approximated.
     */
    private static RopeScaling scaling(GgufFields f, String p, MemorySegment mapped, GgufFile file, int keySize) {
        String type = f.string(p + SCALING_TYPE, "none");
        double factor = f.real(p + SCALING_FACTOR, 1.0);
        Optional<RopeScaling> divisors = GgufRopeFreqs.read(mapped, file, keySize, f);
        boolean scaled = !type.equals("none") && factor != 1.0;
        if (scaled && !type.equals("linear")) {
            f.problem(p + SCALING_TYPE + " '" + type + "' with factor " + factor + " is not supported (none and"
                    + " linear are, and per-pair divisors in " + GgufRopeFreqs.NAME + ")");
        } else if (scaled && divisors.isPresent()) {
            f.problem(p + SCALING_TYPE + " linear together with " + GgufRopeFreqs.NAME + " is not supported");
        } else if (scaled) {
            try {
                return new RopeScaling.Linear(factor);
            } catch (IllegalArgumentException e) {
                f.problem(p + SCALING_FACTOR + ": " + e.getMessage());
            }
        }
        return divisors.orElse(RopeScaling.NONE);
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
    /**
     * The dtype general.file_type names for these tensors: that of the matrices (tensors of two or more dimensions;
     * norms and biases do not count, as in llama.cpp's MOSTLY_ types), the one holding most of their elements when
     * they are mixed (F32 rescaled matrices beside F16 ones); all tensors decide when none is a matrix. Null for no
     * tensors.
     */
    static DType fileTypeDtype(Collection<SafetensorsEntry> tensors) {
        return fileTypeDtype(tensors.stream().map(t -> new Stored(t.dtype(), t.shape())).toList());
    }

    /** {@link #fileTypeDtype(Collection)} of a model's tensors. */
    static DType fileTypeDtype(Model model) {
        return fileTypeDtype(model.tensors().values().stream().map(t -> new Stored(t.dtype(), t.shape())).toList());
    }

    private record Stored(DType dtype, long[] shape) {
    }

    private static DType fileTypeDtype(List<Stored> tensors) {
        boolean anyMatrix = tensors.stream().anyMatch(t -> t.shape().length >= 2);
        Map<DType, Long> elements = new EnumMap<>(DType.class);
        for (Stored t : tensors) {
            if (!anyMatrix || t.shape().length >= 2) {
                elements.merge(t.dtype(), Tensor.elementCount(t.shape()), Long::sum);
            }
        }
        return elements.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    }

    /** @param dtype the dtype general.file_type names ({@link #fileTypeDtype}); null or F64 leave the key out */
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
        if (c.mlp().experts() > 0) {
            uint32(m, p + EXPERTS, c.mlp().experts());
            uint32(m, p + EXPERTS_USED, c.mlp().topK());
        }
        real(m, p + EPS, c.normEps());
        Positions.Rope rope = (Positions.Rope) c.positions();
        real(m, p + ROPE_BASE, rope.theta());
        if (rope.scaling() instanceof RopeScaling.Linear linear) {
            m.put(p + SCALING_TYPE, GgufValue.Str.of("linear"));
            real(m, p + SCALING_FACTOR, linear.factor());
        } else if (m.containsKey(p + SCALING_TYPE)) {
            // Per-pair divisors travel as rope_freqs.weight; a source's key would scale them twice.
            m.put(p + SCALING_TYPE, GgufValue.Str.of("none"));
            m.remove(p + SCALING_FACTOR);
            m.remove(EXACT_PREFIX + p + SCALING_FACTOR);
        }
        if (family.gemma() != null) {
            family.gemma().write(c.attentionShape(), p, m);
        }
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
        // llama.cpp refuses a file without tokenizer metadata; a source without a vocabulary gets a placeholder.
        GgufVocabulary.addIfAbsent(m, c.vocabSize());
    }

    private static void uint32(SequencedMap<String, GgufValue> m, String key, long value) {
        m.put(key, new GgufValue.Int(GgufType.UINT32, value));
    }

    /** float32 for llama.cpp; the exact double beside it only when the float32 would not read back as it. */
    static void real(SequencedMap<String, GgufValue> m, String key, double value) {
        float single = (float) value;
        m.put(key, new GgufValue.Float32(single));
        if (Double.parseDouble(Float.toString(single)) == value) {
            m.remove(EXACT_PREFIX + key);
        } else {
            m.put(EXACT_PREFIX + key, new GgufValue.Float64(value));
        }
    }
}
