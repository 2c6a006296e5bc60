package io.grow4j.model.format;

import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
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
 */
record GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
                  Map<Role, String> tensorNames) {
    GgufFamily {
        tensorNames = Collections.unmodifiableMap(new EnumMap<>(tensorNames));
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
     * Qwen2-MoE (llama.cpp's qwen2moe): Qwen2's attention, the router and stacked experts named as in a llama file with
     * experts, and the shared expert with its one-row sigmoid gate (ne {hidden, 1}; llama.cpp's loader asks for
     * {hidden}, which the trailing 1 satisfies). llama.cpp requires all four shared tensors for this architecture.
     */
    private static final Map<Role, String> QWEN2MOE_NAMES = with(with(QWEN2_NAMES, Map.of(
            Role.ROUTER, "blk.{i}.ffn_gate_inp.weight",
            Role.EXPERT_GATE, "blk.{i}.ffn_gate_exps.weight",
            Role.EXPERT_UP, "blk.{i}.ffn_up_exps.weight",
            Role.EXPERT_DOWN, "blk.{i}.ffn_down_exps.weight")), Map.of(
            Role.SHARED_GATE, "blk.{i}.ffn_gate_shexp.weight",
            Role.SHARED_UP, "blk.{i}.ffn_up_shexp.weight",
            Role.SHARED_DOWN, "blk.{i}.ffn_down_shexp.weight",
            Role.SHARED_EXPERT_GATE, "blk.{i}.ffn_gate_inp_shexp.weight"));

    /**
     * llama.cpp's converter permutes Hugging Face's half-split Q/K rows back to Meta's interleaved pairs for llama
     * (convert_hf_to_gguf.py, LlamaModel.permute), so GGUF llama tensors are interleaved; qwen2, qwen3 and olmo2 are
     * converted unpermuted and run with NeoX RoPE (half-split pairs).
     */
    static final List<GgufFamily> ALL = List.of(
            new GgufFamily("llama", Architecture.LLAMA, RopeLayout.INTERLEAVED, false, LLAMA_NAMES),
            new GgufFamily("llama", Architecture.MIXTRAL, RopeLayout.INTERLEAVED, false, LLAMA_EXPERT_NAMES),
            new GgufFamily("qwen2", Architecture.QWEN2, RopeLayout.HALF_SPLIT, true, QWEN2_NAMES),
            new GgufFamily("qwen3", Architecture.QWEN3, RopeLayout.HALF_SPLIT, false, QWEN3_NAMES),
            new GgufFamily("olmo2", Architecture.OLMO2, RopeLayout.HALF_SPLIT, false, OLMO2_NAMES),
            new GgufFamily("qwen2moe", Architecture.QWEN2_MOE, RopeLayout.HALF_SPLIT, true, QWEN2MOE_NAMES));

    /**
     * GGUF architectures whose llama.cpp graph weights the chosen experts by their softmax probabilities as they are,
     * never renormalised over the top k: qwen2moe calls build_moe_ffn with norm_w false (src/llama-model.cpp,
     * llm_build_qwen2moe, in b4916 and in the later versions read), whatever the source's norm_topk_prob was. A file
     * of such a family holds only models that do not renormalise; llama's experts are always renormalised.
     */
    private static final java.util.Set<String> UNNORMALISED_TOP_K = java.util.Set.of("qwen2moe");

    /** Whether llama.cpp renormalises the chosen experts' weights to sum to one in this family. */
    boolean renormalisesTopK() {
        return !UNNORMALISED_TOP_K.contains(name);
    }

    /** The row of a GGUF architecture name, with experts or dense; null if there is none. */
    static GgufFamily byName(String name, boolean experts) {
        return ALL.stream().filter(f -> f.name.equals(name) && f.architecture.mixtureOfExperts() == experts)
                .findFirst().orElse(null);
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
