package io.grow4j.model.format;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.NormKind;
import io.grow4j.model.Role;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Collectors;

/**
 * One GGUF architecture (general.architecture) as one grow4j architecture: the RoPE layout its Q and K rows are stored
 * in, whether it carries Q, K and V biases, and its tensor names as llama.cpp spells them (a template per role, "{i}"
 * for the block; src/llama-arch.cpp's LLM_TENSOR_NAMES). Config keys are "{name}.context_length" etc.
 * ({@link GgufConfigCodec}). One GGUF name may have two rows, dense and with experts (llama.cpp's "llama" holds
 * Mixtral's experts too, told apart by {name}.expert_count). Adding a family is adding a row to {@link #ALL}.
 *
 * @param qkvBias llama.cpp's loader requires Q, K and V biases for this architecture (qwen2) or has none
 * @param gemma   what llama.cpp's Gemma loaders read and derive (attention shape, (1 + w) gains stored as 1 + w,
 *                GeGLU, head tied to token_embd); null for every other family
 */
record GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
                  Map<Role, String> tensorNames, GgufGemma gemma) {
    GgufFamily {
        tensorNames = Collections.unmodifiableMap(new EnumMap<>(tensorNames));
    }

    GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
               Map<Role, String> tensorNames) {
        this(name, architecture, ropeLayout, qkvBias, tensorNames, null);
    }

    private static final Map<Role, String> LLAMA_NAMES = Map.ofEntries(
            Map.entry(Role.TOKEN_EMBEDDING, "token_embd.weight"),
            Map.entry(Role.ATTENTION_NORM, "blk.{i}.attn_norm.weight"),
            Map.entry(Role.WQ, "blk.{i}.attn_q.weight"),
            Map.entry(Role.WK, "blk.{i}.attn_k.weight"),
            Map.entry(Role.WV, "blk.{i}.attn_v.weight"),
            Map.entry(Role.WO, "blk.{i}.attn_output.weight"),
            Map.entry(Role.MLP_NORM, "blk.{i}.ffn_norm.weight"),
            Map.entry(Role.W_GATE, "blk.{i}.ffn_gate.weight"),
            Map.entry(Role.W_UP, "blk.{i}.ffn_up.weight"),
            Map.entry(Role.W_DOWN, "blk.{i}.ffn_down.weight"),
            Map.entry(Role.FINAL_NORM, "output_norm.weight"),
            Map.entry(Role.OUTPUT, "output.weight"));

    /** Mixtral in a llama file: the router and the experts stacked on a third axis (ne {hidden, mlp, experts}). */
    private static final Map<Role, String> LLAMA_EXPERT_NAMES = with(LLAMA_NAMES, Map.of(
            Role.ROUTER, "blk.{i}.ffn_gate_inp.weight",
            Role.EXPERT_GATE, "blk.{i}.ffn_gate_exps.weight",
            Role.EXPERT_UP, "blk.{i}.ffn_up_exps.weight",
            Role.EXPERT_DOWN, "blk.{i}.ffn_down_exps.weight"));

    private static final Map<Role, String> QWEN2_NAMES = with(LLAMA_NAMES, Map.of(
            Role.BQ, "blk.{i}.attn_q.bias",
            Role.BK, "blk.{i}.attn_k.bias",
            Role.BV, "blk.{i}.attn_v.bias"));

    /** Per-head gains over the head size (ne {head_dim}). */
    private static final Map<Role, String> QWEN3_NAMES = with(LLAMA_NAMES, Map.of(
            Role.Q_HEAD_NORM, "blk.{i}.attn_q_norm.weight",
            Role.K_HEAD_NORM, "blk.{i}.attn_k_norm.weight"));

    /**
     * OLMo-2 has no norm on a branch's input: grow4j's attention and MLP norms are its post-branch norms, and its
     * QK-norm gains span the whole projection (ne {heads * head_dim}).
     */
    private static final Map<Role, String> OLMO2_NAMES = with(without(LLAMA_NAMES, Role.ATTENTION_NORM, Role.MLP_NORM),
            Map.of(Role.ATTENTION_NORM, "blk.{i}.post_attention_norm.weight",
                    Role.MLP_NORM, "blk.{i}.post_ffw_norm.weight",
                    Role.Q_NORM, "blk.{i}.attn_q_norm.weight",
                    Role.K_NORM, "blk.{i}.attn_k_norm.weight"));

    /**
     * Gemma 2's sandwich norms; no output.weight, since llama.cpp's gemma loaders always use token_embd as the head
     * (LLM_TENSOR_OUTPUT is token_embd, TENSOR_DUPLICATED).
     */
    private static final Map<Role, String> GEMMA2_NAMES = with(without(LLAMA_NAMES, Role.OUTPUT), Map.of(
            Role.ATTENTION_POST_NORM, "blk.{i}.post_attention_norm.weight",
            Role.MLP_POST_NORM, "blk.{i}.post_ffw_norm.weight"));

    /** Gemma 3: Gemma 2's names and per-head QK-norm gains (ne {head_dim}). */
    private static final Map<Role, String> GEMMA3_NAMES = with(GEMMA2_NAMES, Map.of(
            Role.Q_HEAD_NORM, "blk.{i}.attn_q_norm.weight",
            Role.K_HEAD_NORM, "blk.{i}.attn_k_norm.weight"));

    /**
     * llama.cpp's converter permutes Hugging Face's half-split Q/K rows back to Meta's interleaved pairs for llama
     * (convert_hf_to_gguf.py, LlamaModel.permute), so GGUF llama tensors are interleaved; qwen2, qwen3 and olmo2 are
     * converted unpermuted and run with NeoX RoPE (half-split pairs), as are gemma2 and gemma3.
     */
    static final List<GgufFamily> ALL = List.of(
            new GgufFamily("llama", Architecture.LLAMA, RopeLayout.INTERLEAVED, false, LLAMA_NAMES),
            new GgufFamily("llama", Architecture.MIXTRAL, RopeLayout.INTERLEAVED, false, LLAMA_EXPERT_NAMES),
            new GgufFamily("qwen2", Architecture.QWEN2, RopeLayout.HALF_SPLIT, true, QWEN2_NAMES),
            new GgufFamily("qwen3", Architecture.QWEN3, RopeLayout.HALF_SPLIT, false, QWEN3_NAMES),
            new GgufFamily("olmo2", Architecture.OLMO2, RopeLayout.HALF_SPLIT, false, OLMO2_NAMES),
            new GgufFamily("gemma2", Architecture.GEMMA2, RopeLayout.HALF_SPLIT, false, GEMMA2_NAMES,
                    GgufGemma.GEMMA2),
            new GgufFamily("gemma3", Architecture.GEMMA3, RopeLayout.HALF_SPLIT, false, GEMMA3_NAMES,
                    GgufGemma.GEMMA3));

    /** The row of a GGUF architecture name, with experts or dense; null if there is none. */
    static GgufFamily byName(String name, boolean experts) {
        return ALL.stream().filter(f -> f.name.equals(name) && f.architecture.mixtureOfExperts() == experts)
                .findFirst().orElse(null);
    }

    /** Whether the GGUF architecture {@code name} stores norm gains as 1 + w. */
    static boolean unitOffsetGains(String name) {
        return ALL.stream().anyMatch(f -> f.name.equals(name) && f.unitOffsetGains());
    }

    /** Whether some row has this GGUF architecture name. */
    static boolean known(String name) {
        return ALL.stream().anyMatch(f -> f.name.equals(name));
    }

    static GgufFamily forArchitecture(Architecture architecture) {
        return ALL.stream().filter(f -> f.architecture.equals(architecture)).findFirst().orElse(null);
    }

    private static Map<Role, String> with(Map<Role, String> base, Map<Role, String> more) {
        Map<Role, String> all = new EnumMap<>(base);
        all.putAll(more);
        return all;
    }

    private static Map<Role, String> without(Map<Role, String> base, Role... roles) {
        Map<Role, String> all = new EnumMap<>(base);
        for (Role r : roles) {
            all.remove(r);
        }
        return all;
    }

    static String supported() {
        return ALL.stream().map(GgufFamily::name).distinct().collect(Collectors.joining(", "));
    }

    /** The MLP activation llama.cpp's graph applies: GeGLU (tanh GELU) for Gemma, SwiGLU otherwise. */
    Activation activation() {
        return gemma == null ? Activation.SWIGLU : Activation.GEGLU_TANH;
    }

    /** The MLP's name in messages. */
    String mlpName() {
        return gemma == null ? "SwiGLU" : "GeGLU (tanh GELU)";
    }

    /** llama.cpp computes the head from token_embd: no output.weight is read or written. */
    boolean tiedOnly() {
        return !names(Role.OUTPUT);
    }

    /** Norm gains are stored as 1 + w ({@link GgufUnitOffsetGains}). */
    boolean unitOffsetGains() {
        return architecture.norm().kind() == NormKind.RMS_UNIT_OFFSET;
    }

    /** Whether this family names every tensor the config implies. */
    boolean names(Role role) {
        return tensorNames.containsKey(role);
    }

    /** GGUF name of every tensor a config implies, in {@link Model#expectedKeys} order. */
    SequencedMap<String, TensorKey> tensorNames(TransformerConfig config) {
        SequencedMap<String, TensorKey> names = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            names.put(tensorName(key), key);
        }
        return names;
    }

    String tensorName(TensorKey key) {
        String template = tensorNames.get(key.role());
        if (template == null) {
            throw new IllegalStateException("GGUF " + name + " has no tensor name for " + key.role());
        }
        return template.replace("{i}", Integer.toString(key.layer()));
    }
}
