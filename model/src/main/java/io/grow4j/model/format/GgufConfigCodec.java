package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.AttentionShape;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
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
 * token embedding's shape and the head is tied when output.weight is absent. What only some families have (the
 * LayerNorm epsilon, use_parallel_residual, partial rotary, the sliding window llama.cpp requires of phi3) follows the
 * family's {@link GgufFamily.Dialect}; keys for things grow4j does not model (yarn scaling, partial rotary where the
 * family's graph rotates whole heads) are refused rather than ignored.
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
    /** LayerNorm's epsilon (gptneox), where RMSNorm families have {@link #EPS}. */
    static final String LAYER_NORM_EPS = "attention.layer_norm_epsilon";
    static final String PARALLEL_RESIDUAL = "use_parallel_residual";
    static final String SLIDING_WINDOW = "attention.sliding_window";
    /** grow4j's own key: the MLP activation where it is not the one llama.cpp's graph runs (exact GELU in gptneox). */
    static final String ACTIVATION = "hidden_act";
    static final String ROPE_BASE = "rope.freq_base";
    static final String ROPE_DIMS = "rope.dimension_count";
    static final String VOCAB = "vocab_size";
    static final String EXPERTS = "expert_count";
    static final String EXPERTS_USED = "expert_used_count";
    static final String EXPERT_FFN = "expert_feed_forward_length";
    static final String SHARED_FFN = "expert_shared_feed_forward_length";
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
        // qwen2moe files with both expert widths need no dense width (llama.cpp reads it only as their default)
        boolean widthsGiven = family.architecture().sharedExpert() && f.has(p + EXPERT_FFN) && f.has(p + SHARED_FFN);
        int mlp = widthsGiven ? f.integer(p + FFN, 1, 1) : f.integer(p + FFN, 1);
        int layers = f.integer(p + BLOCKS, 0);
        String tooManyLayers = LayerCount.problem(p + BLOCKS, layers, file.tensors().size());
        if (tooManyLayers != null) {
            f.problem(tooManyLayers);
            layers = 0;
        }
        int context = f.integer(p + CONTEXT, 1);
        String epsKey = p + epsKey(family);
        double eps = exactReal(f, epsKey, Double.NaN);
        double theta = exactReal(f, p + ROPE_BASE, DEFAULT_ROPE_BASE);
        // the ranges config.json's rms_norm_eps and rope_theta are held to (ConfigFields.number)
        requireFinite(f, epsKey, eps, false);
        requireFinite(f, p + ROPE_BASE, theta, true);
        double fraction = rotaryFraction(f, p, family, keySize);
        MlpConfig mlpConfig = mlp(f, p, family, mlp);
        RopeScaling scaling = scaling(f, p, mapped, file, keySize);
        if (family.dialect().longRope()) {
            Optional<RopeScaling> longRope = GgufRopeFactors.read(mapped, file, p, (int) (keySize * fraction), context,
                    exactReal(f, p + GgufRopeFactors.ATTENTION_FACTOR, 1.0), f);
            if (longRope.isPresent() && scaling != RopeScaling.NONE) {
                f.problem(GgufRopeFactors.SHORT + " and " + GgufRopeFactors.LONG + " together with "
                        + scaling.describe() + " scaling is not supported");
            }
            scaling = longRope.orElse(scaling);
        }
        int vocab = vocabulary(f, p, file, family);
        boolean tied = family.tiedOnly()
                || !file.tensors().containsKey(family.tensorName(TensorKey.global(Role.OUTPUT)));
        AttentionShape shape = family.gemma() == null ? AttentionShape.STANDARD
                : family.gemma().read(f, p, hidden, heads, keySize, layers);
        f.check("cannot read the " + family.name() + " config from its metadata");
        try {
            return new TransformerConfig(family.architecture(), vocab, hidden, layers, context,
                    new AttentionConfig(heads, kvHeads, keySize, valueSize,
                            family.qkvBias() || family.dialect().biases(), family.dialect().biases()),
                    mlpConfig, eps, new Positions.Rope(theta, family.ropeLayout(), scaling, fraction), tied, 0, false,
                    shape);
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
        MlpConfig dense = new MlpConfig(Math.max(size, 1), activation(f, p, family), family.dialect().biases());
        if (!family.architecture().mixtureOfExperts()) {
            return dense;
        }
        int experts = f.integer(p + EXPERTS, 1);
        int used = f.integer(p + EXPERTS_USED, 1);
        if (used > experts) {
            f.problem(p + EXPERTS_USED + " " + used + " exceeds " + p + EXPERTS + " " + experts);
            used = experts;
        }
        return family.architecture().sharedExpert() ? withSharedExpert(f, p, family, size, experts, used)
                : dense.withExperts(experts, used);
    }

    /**
     * qwen2moe, as llama.cpp's loader sizes it: experts of expert_feed_forward_length (absent: feed_forward_length /
     * expert_used_count, how files converted before the key existed are read), a shared expert of
     * expert_shared_feed_forward_length (absent: feed_forward_length), and the chosen experts' weights not
     * renormalised ({@link GgufFamily#renormalisesTopK}).
     */
    private static MlpConfig withSharedExpert(GgufFields f, String p, GgufFamily family, int size, int experts,
            int used) {
        int expertSize = f.integer(p + EXPERT_FFN, 1, Math.max(size / Math.max(used, 1), 1));
        int shared = f.integer(p + SHARED_FFN, 1, Math.max(size, 1));
        return new MlpConfig(expertSize, Activation.SWIGLU, false, experts, Math.max(used, 1), shared,
                family.renormalisesTopK());
    }

    /**
     * The rotated part of each head as the fraction {@link Positions.Rope} keeps: {name}.rope.dimension_count over the
     * head size, nudged up where that quotient times the head size would truncate below the count. Families whose
     * llama.cpp graph rotates whole heads refuse any other count.
     */
    private static double rotaryFraction(GgufFields f, String p, GgufFamily family, int keySize) {
        int rotary = f.integer(p + ROPE_DIMS, 0, keySize);
        if (rotary == keySize) {
            return 1.0;
        }
        if (!family.dialect().partialRotary() || rotary == 0 || rotary > keySize || rotary % 2 != 0) {
            f.problem(p + ROPE_DIMS + " " + rotary + " rotates part of each head of size " + keySize + "; "
                    + (family.dialect().partialRotary() ? "it must be an even number from 2 to the head size"
                    : "GGUF " + family.name() + " rotates whole heads"));
            return 1.0;
        }
        double fraction = (double) rotary / keySize;
        return (int) (keySize * fraction) == rotary ? fraction : Math.nextUp(fraction);
    }

    /** The dialect's activation, or the one grow4j's key names when it is another of the family's. */
    private static Activation activation(GgufFields f, String p, GgufFamily family) {
        List<Activation> known = family.dialect().activations();
        String key = EXACT_PREFIX + p + ACTIVATION;
        String named = f.string(key, null);
        if (named == null) {
            return known.getFirst();
        }
        return known.stream().filter(a -> a.hfName().equals(named)).findFirst().orElseGet(() -> {
            f.problem(key + " '" + named + "' is not an activation of GGUF " + family.name() + " (known: "
                    + known.stream().map(Activation::hfName).toList() + ")");
            return known.getFirst();
        });
    }

    private static String epsKey(GgufFamily family) {
        return family.architecture().norm().kind() == NormKind.LAYER ? LAYER_NORM_EPS : EPS;
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
        renameFamilyKeys(m, family.name());
        m.putFirst(GgufFile.ARCHITECTURE_KEY, GgufValue.Str.of(family.name()));
        uint32(m, p + CONTEXT, c.maxSeqLen());
        uint32(m, p + EMBEDDING, c.hidden());
        uint32(m, p + BLOCKS, c.layers());
        if (c.mlp().hasSharedExpert()) {
            // the widths llama.cpp reads for qwen2moe; feed_forward_length (HF's unused dense intermediate_size) is
            // carried as it was, or set to the shared width as the converter's Qwen1.5-MoE files have it
            uint32(m, p + EXPERT_FFN, c.mlp().size());
            uint32(m, p + SHARED_FFN, c.mlp().sharedSize());
            m.putIfAbsent(p + FFN, new GgufValue.Int(GgufType.UINT32, c.mlp().sharedSize()));
        } else {
            uint32(m, p + FFN, c.mlp().size());
        }
        uint32(m, p + HEADS, a.queryHeads());
        uint32(m, p + KV_HEADS, a.kvHeads());
        uint32(m, p + KEY_LENGTH, a.keySize());
        uint32(m, p + VALUE_LENGTH, a.valueSize());
        Positions.Rope rope = (Positions.Rope) c.positions();
        uint32(m, p + ROPE_DIMS, rope.rotaryDims(a.keySize()));
        if (c.mlp().experts() > 0) {
            uint32(m, p + EXPERTS, c.mlp().experts());
            uint32(m, p + EXPERTS_USED, c.mlp().topK());
        }
        real(m, p + epsKey(family), c.normEps());
        real(m, p + ROPE_BASE, rope.theta());
        writeDialect(c, family, m);
        if (family.dialect().longRope()) {
            GgufRopeFactors.write(c, p, m);
        }
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

    /**
     * Upcycling qwen2 gives qwen2moe: the source's "qwen2." keys (those the config does not set, such as a RoPE
     * scaling type, and grow4j's exact doubles of them) become "qwen2moe." keys in place, since llama.cpp reads only
     * the keys of the file's own architecture.
     */
    private static void renameFamilyKeys(SequencedMap<String, GgufValue> m, String name) {
        if (!(m.get(GgufFile.ARCHITECTURE_KEY) instanceof GgufValue.Str old) || old.text().equals(name)) {
            return;
        }
        SequencedMap<String, GgufValue> renamed = new java.util.LinkedHashMap<>();
        m.forEach((key, value) -> renamed.put(renamedKey(key, old.text(), name), value));
        m.clear();
        m.putAll(renamed);
    }

    private static String renamedKey(String key, String from, String to) {
        for (String prefix : List.of("", EXACT_PREFIX)) {
            if (key.startsWith(prefix + from + ".")) {
                return prefix + to + key.substring(prefix.length() + from.length());
            }
        }
        return key;
    }

    /**
     * The keys only some families have: the residual wiring, the sliding window llama.cpp requires (the context
     * length, which masks nothing, unless the source gave one), and grow4j's activation key.
     */
    private static void writeDialect(TransformerConfig c, GgufFamily family, SequencedMap<String, GgufValue> m) {
        String p = family.name() + ".";
        GgufFamily.Dialect d = family.dialect();
        if (d.residualKey()) {
            m.put(p + PARALLEL_RESIDUAL, new GgufValue.Bool(c.architecture().parallelResidual()));
        }
        if (d.slidingWindow() && !m.containsKey(p + SLIDING_WINDOW)) {
            uint32(m, p + SLIDING_WINDOW, c.maxSeqLen());
        }
        if (c.mlp().activation() == d.activations().getFirst()) {
            m.remove(EXACT_PREFIX + p + ACTIVATION);
        } else {
            m.put(EXACT_PREFIX + p + ACTIVATION, GgufValue.Str.of(c.mlp().activation().hfName()));
        }
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
