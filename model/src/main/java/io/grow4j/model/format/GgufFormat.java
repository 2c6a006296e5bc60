package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.MemoryBudget;
import io.grow4j.model.Model;
import io.grow4j.model.Positions;
import io.grow4j.model.Role;
import io.grow4j.model.RopeScaling;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * llama.cpp's GGUF files (versions 2 and 3 read, 3 written), architectures llama (dense, or with experts as Mixtral),
 * qwen2, qwen3, olmo2, qwen2moe, phi3, gptneox, gemma2 and gemma3 ({@link GgufFamily}); fused tensors (attn_qkv,
 * phi3's ffn_up) are split into their parts on reading and stacked again on writing; Gemma's gains are stored as
 * 1 + w ({@link GgufUnitOffsetGains}) and its attention shape is partly derived by llama.cpp ({@link GgufGemma}).
 * The file is read through a read-only memory map with long offsets, so it may exceed 2 GB; tensors are copied out, so the file may be replaced afterwards.
 *
 * <ul>
 *   <li>F32, F16, BF16 and F64 tensors keep their dtype both ways, bit for bit.</li>
 *   <li>Quantized tensors (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K) are expanded to float32 exactly as llama.cpp
 *       decodes them; {@link #readNotes} says which. Writing stores floats: there is no quantized output.</li>
 *   <li>Q and K rows are stored in interleaved RoPE pairs; a half-split model is permuted on write (exact).</li>
 *   <li>Every metadata key is kept ({@link GgufMetadata}, in the model's extras) and written back unchanged, except
 *       those the config determines.</li>
 *   <li>F64 models are written as ggml F64 tensors, exactly; grow4j reads them back, but llama.cpp's kernels do not
 *       compute in F64, so convert such a model to float32 first where llama.cpp should run it.</li>
 * </ul>
 */
public final class GgufFormat implements ModelFormat {
    @Override
    public String name() {
        return "gguf";
    }

    @Override
    public Model read(Path path) throws IOException {
        {   // the tensors are views of the mapping, which lives as long as they do
            MemorySegment mapped = SegmentIo.mapReadOnly(path, Arena.ofAuto());
            GgufFile file = GgufParser.parse(mapped, path);
            GgufFamily family = family(path, file);
            TransformerConfig config = GgufConfigCodec.read(path, mapped, file, family);
            // Quantized tensors are expanded to float32 in new memory; float ones are views of the mapping.
            MemoryBudget.require("reading the weights of " + path, GgufTensors.loadedBytes(file));
            GgufTensors loaded = GgufTensors.load(path, mapped, file, family, config);
            GgufMetadata metadata = new GgufMetadata(file.metadata(), loaded.dequantized());
            Map<TensorKey, Tensor> tensors = family.unitOffsetGains()
                    ? GgufUnitOffsetGains.fromFile(loaded.tensors()) : loaded.tensors();
            return new Model(config, tensors, Map.of(GgufMetadata.EXTRAS_KEY, metadata));
        }
    }

    static GgufFamily family(Path path, GgufFile file) throws CheckpointException {
        GgufValue name = file.metadata().get(GgufFile.ARCHITECTURE_KEY);
        if (name instanceof GgufValue.Str s && GgufFamily.known(s.text())) {
            String expertKey = s.text() + "." + GgufConfigCodec.EXPERTS;
            GgufValue experts = file.metadata().get(expertKey);
            boolean routed = experts instanceof GgufValue.Int n && n.value() != 0;
            GgufFamily family = GgufFamily.byName(s.text(), routed);
            if (family == null) {
                throw new CheckpointException(path, expertKey + " " + experts + ": GGUF " + s.text() + " is read "
                        + (routed ? "without experts (experts are read for "
                        + GgufFamily.ALL.stream().filter(f -> f.architecture().mixtureOfExperts()).map(GgufFamily::name)
                        .distinct().collect(java.util.stream.Collectors.joining(", ")) + ")" : "with experts only"));
            }
            return family.dialect().residualKey() ? byResidual(path, file, family) : family;
        }
        String found = name == null ? "no " + GgufFile.ARCHITECTURE_KEY : name instanceof GgufValue.Str s
                ? "unsupported architecture '" + s.text() + "'" : GgufFile.ARCHITECTURE_KEY + " is a " + name.type();
        throw new CheckpointException(path, found + " (supported: " + GgufFamily.supported() + ")");
    }

    /** The row whose residual wiring {name}.use_parallel_residual names; llama.cpp requires the key. */
    private static GgufFamily byResidual(Path path, GgufFile file, GgufFamily family) throws CheckpointException {
        String key = family.name() + "." + GgufConfigCodec.PARALLEL_RESIDUAL;
        if (!(file.metadata().get(key) instanceof GgufValue.Bool parallel)) {
            throw new CheckpointException(path, (file.metadata().containsKey(key) ? key + " must be a bool, got "
                    + GgufFields.describe(file.metadata().get(key)) : "missing " + key) + " (llama.cpp requires it)");
        }
        return GgufFamily.byName(family.name(), f -> f.architecture().mixtureOfExperts()
                == family.architecture().mixtureOfExperts() && f.architecture().parallelResidual() == parallel.value());
    }

    @Override
    public List<String> readNotes(Model model) {
        return GgufMetadata.of(model).map(GgufMetadata::notes).orElse(List.of());
    }

    /**
     * Says so when the model has no vocabulary and the file gets grow4j's placeholder ({@link GgufVocabulary}), and
     * when early llama.cpp builds cannot run the file ({@link GgufGemma#notes}).
     */
    @Override
    public List<String> writeNotes(Model model) {
        SequencedMap<String, GgufValue> entries = GgufMetadata.of(model).map(GgufMetadata::entries)
                .orElse(new LinkedHashMap<>());
        List<String> notes = new ArrayList<>();
        if (GgufVocabulary.madeUp(entries, model.config().vocabSize())) {
            notes.add(GgufVocabulary.NOTE);
        }
        notes.addAll(configNotes(model.config()));
        return notes;
    }

    /**
     * The notes of {@link #writeNotes} that follow from the config alone (what llama.cpp computes differently, the
     * builds that abort on the file), for output written without a {@link Model}, such as a streamed GGUF file.
     */
    public List<String> configNotes(TransformerConfig config) {
        List<String> notes = new ArrayList<>();
        GgufFamily family = GgufFamily.forArchitecture(config.architecture());
        Activation runs = family == null ? null : family.dialect().activations().getFirst();
        if (runs != null && config.mlp().activation() != runs) {
            // Pythia's exact GELU: llama.cpp's graph has no key to choose it, so it computes another function.
            notes.add("llama.cpp runs GGUF " + family.name() + "'s MLP with " + runs + ", not this model's "
                    + config.mlp().activation() + " (kept in " + GgufConfigCodec.EXACT_PREFIX
                    + family.name() + "." + GgufConfigCodec.ACTIVATION + " for grow4j): its outputs there differ"
                    + " slightly from this model's");
        }
        if (family != null && family.gemma() != null) {
            notes.addAll(family.gemma().notes(family.name(), config));
        }
        int queryWidth = config.attention().queryHeads() * config.attention().keySize();
        if (family != null && family.fusedQkv() && queryWidth != config.hidden()) {
            // grow4j reads and verifies such a file; only llama.cpp's graph assumes the query part is n_embd wide
            notes.add("llama.cpp splits GGUF " + family.name() + "'s fused attn_qkv taking the query part as"
                    + " hidden_size wide; this model's heads × head size is " + config.attention().queryHeads()
                    + " × " + config.attention().keySize() + " = " + queryWidth + ", not its hidden size "
                    + config.hidden() + ", so llama.cpp cannot run this file (grow heads or head_dim so that they"
                    + " meet the hidden size for it)");
        }
        return notes;
    }

    @Override
    public List<String> writeProblems(TransformerConfig config) {
        List<String> problems = new ArrayList<>();
        GgufFamily family = GgufFamily.forArchitecture(config.architecture());
        String instead = ": write a directory instead";
        if (family == null) {
            problems.add("GGUF is written for architecture " + GgufFamily.supported() + " only; this model is "
                    + config.architecture().id() + (config.architecture().separateHeadSizes()
                    ? " (the paper's decoder, with separate key and value sizes)" : "") + instead);
            return problems;
        }
        problems.addAll(blockProblems(config, family, instead));
        if (family.tiedOnly() && !config.tiedEmbeddings()) {
            problems.add("llama.cpp's " + family.name() + " uses token_embd as the output head; this model's head is"
                    + " untied (tie_word_embeddings false)" + instead);
        }
        if (family.gemma() != null) {
            family.gemma().problems(family.name(), config).forEach(p -> problems.add(p + instead));
        }
        if (!(config.positions() instanceof Positions.Rope rope)) {
            problems.add("GGUF " + family.name() + " uses RoPE; this model has learned positions" + instead);
        } else {
            boolean longRope = family.dialect().longRope() && rope.scaling() instanceof RopeScaling.LongRope;
            if (!GgufRopeFreqs.holds(rope.scaling()) && !longRope) {
                problems.add("GGUF " + family.name() + " holds RoPE scaling as linear keys or per-pair divisors ("
                        + GgufRopeFreqs.NAME + ")" + (family.dialect().longRope() ? " or LongRoPE factors" : "")
                        + "; this model's " + rope.scaling().type() + " scaling is " + (family.dialect().longRope()
                        ? "none of them" : "neither") + instead);
            }
            if (rope.partial() && !family.dialect().partialRotary()) {
                problems.add("GGUF " + family.name() + "'s " + GgufConfigCodec.ROPE_DIMS + " must be the head size "
                        + "(llama.cpp rotates whole heads there); this model rotates " + rope.rotaryDims(
                        config.attention().keySize()) + " of " + config.attention().keySize() + " dims" + instead);
            }
        }
        problems.addAll(expertProblems(config, family));
        if (problems.isEmpty()) {
            // Whatever else the name table cannot hold (roles a family gains later), one line per role.
            for (Role role : Role.values()) {
                if (role.presentIn(config) && !family.names(role)) {
                    problems.add("GGUF " + family.name() + " has no tensor for " + role + instead);
                }
            }
        }
        return problems;
    }

    /**
     * What llama.cpp would not run as grow4j does: routing renormalised where its graph does not renormalise (or the
     * reverse), and a qwen2moe model without the shared expert its loader requires.
     */
    private static List<String> expertProblems(TransformerConfig config, GgufFamily family) {
        List<String> problems = new ArrayList<>();
        if (config.architecture().mixtureOfExperts() && config.mlp().normTopK() != family.renormalisesTopK()) {
            problems.add(family.renormalisesTopK() ? "GGUF " + family.name() + " renormalises the chosen experts'"
                    + " weights; this model does not" + ": write a directory instead"
                    : "GGUF " + family.name() + ": llama.cpp weights the chosen experts by their softmax"
                    + " probabilities without renormalising them (its graph calls build_moe_ffn with norm_w false),"
                    + " so this model's norm_topk_prob true would not be honoured; write a directory instead, or"
                    + " upcycle with norm_topk_prob: false");
        }
        if (family.names(Role.SHARED_GATE) && !config.mlp().hasSharedExpert()) {
            problems.add("GGUF " + family.name() + ": llama.cpp's loader requires a shared expert; this model has"
                    + " none: write a directory instead");
        }
        return problems;
    }

    /**
     * The tensors a model of {@code config} is written with beyond its own, after them: rope_freqs.weight or
     * LongRoPE's factor tensors ({@link GgufRopeFreqs}, {@link GgufRopeFactors}); none for plain RoPE.
     */
    public static SequencedMap<String, Tensor> ropeTensors(TransformerConfig config) {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        GgufRopeFreqs.tensor(config).ifPresent(t -> out.put(GgufRopeFreqs.NAME, t));
        out.putAll(GgufRopeFactors.tensors(config));
        return out;
    }

    /** Biases and the MLP's activation against what the family's llama.cpp graph has ({@link GgufFamily.Dialect}). */
    private static List<String> blockProblems(TransformerConfig config, GgufFamily family, String instead) {
        List<String> problems = new ArrayList<>();
        boolean qkv = family.qkvBias() || family.dialect().biases();
        boolean output = family.dialect().biases();
        if (config.attention().bias() != qkv || config.attention().outputBias() != output) {
            problems.add("GGUF " + family.name() + " has " + attentionBiases(qkv, output) + "; this model has "
                    + attentionBiases(config.attention().bias(), config.attention().outputBias()) + instead);
        }
        if (config.mlp().bias() != family.dialect().biases()) {
            problems.add("GGUF " + family.name() + " is written " + (family.dialect().biases() ? "with" : "without")
                    + " MLP biases; this model has " + (config.mlp().bias() ? "them" : "none") + instead);
        }
        List<Activation> activations = family.dialect().activations();
        if (!activations.contains(config.mlp().activation())) {
            problems.add("GGUF " + family.name() + "'s MLP is " + activations.stream().map(Activation::name)
                    .collect(java.util.stream.Collectors.joining(" or ")) + "; this model uses "
                    + config.mlp().activation() + instead);
        }
        return problems;
    }

    private static String attentionBiases(boolean qkv, boolean output) {
        if (qkv && output) {
            return "biases on Q, K, V and the output projection";
        }
        if (qkv) {
            return "biases on Q, K and V and none on the output projection";
        }
        return output ? "a bias on the output projection only" : "no attention biases";
    }

    @Override
    public void write(Model model, Path out) throws IOException {
        List<String> problems = writeProblems(model.config());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot write " + out + " as " + name() + ":\n  "
                    + String.join("\n  ", problems));
        }
        GgufFamily family = GgufFamily.forArchitecture(model.config().architecture());
        // A permutation of Q/K rows within each head: nothing is rounded.
        Model stored = RopePermutation.toLayout(model, family.ropeLayout());
        SequencedMap<String, GgufValue> metadata = new LinkedHashMap<>(
                GgufMetadata.of(model).map(GgufMetadata::entries).orElse(new LinkedHashMap<>()));
        GgufConfigCodec.write(stored.config(), family, GgufConfigCodec.fileTypeDtype(stored), stored.parameterCount(),
                metadata);
        Map<TensorKey, Tensor> held = family.unitOffsetGains() ? GgufUnitOffsetGains.toFile(stored.tensors())
                : stored.tensors();
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        family.tensorParts(stored.config()).forEach((name, keys) -> tensors.put(name, keys.size() == 1
                ? held.get(keys.getFirst()) : HfStorage.stack(keys.stream().map(held::get).toList(), 1)));
        // Last, so a streamed write (which produces the model's tensors first) lays the file out identically.
        tensors.putAll(ropeTensors(stored.config()));
        AtomicOutput.writeFile(out, temporary -> GgufWriter.write(temporary, metadata, tensors));
    }
}
