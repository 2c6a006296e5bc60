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
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One GGUF architecture (general.architecture) as one grow4j architecture: the RoPE layout its Q and K rows are stored
 * in, whether it carries Q, K and V biases, and its tensor names as llama.cpp spells them (a template per role, "{i}"
 * for the block; src/llama-arch.cpp's LLM_TENSOR_NAMES). Config keys are "{name}.context_length" etc.
 * ({@link GgufConfigCodec}). One GGUF name may have two rows, dense and with experts (llama.cpp's "llama" holds
 * Mixtral's experts too, told apart by {name}.expert_count; gptneox holds parallel and sequential residuals, told
 * apart by {name}.use_parallel_residual). Roles that share one template are stacked along their rows in one tensor,
 * in role order: llama.cpp's fused attn_qkv ([q; k; v]) and Phi-3's ffn_up ([gate; up], which llama.cpp's fused
 * SwiGLU splits in halves, gate first). Adding a family is adding a row to {@link #ALL}.
 *
 * @param qkvBias llama.cpp's loader requires Q, K and V biases for this architecture (qwen2) or has none
 * @param dialect the keys and block parts in which the family's metadata differs from llama's
 * @param gemma   what llama.cpp's Gemma loaders read and derive (attention shape, (1 + w) gains stored as 1 + w,
 *                GeGLU, head tied to token_embd); null for every other family
 */
record GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
                  Map<Role, String> tensorNames, Dialect dialect, GgufGemma gemma) {
    GgufFamily {
        tensorNames = Collections.unmodifiableMap(new EnumMap<>(tensorNames));
    }

    /** A family whose metadata reads as llama's ({@link Dialect#LLAMA}). */
    GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
               Map<Role, String> tensorNames) {
        this(name, architecture, ropeLayout, qkvBias, tensorNames, Dialect.LLAMA, null);
    }

    GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
               Map<Role, String> tensorNames, Dialect dialect) {
        this(name, architecture, ropeLayout, qkvBias, tensorNames, dialect, null);
    }

    /** A Gemma family: llama's keys with GeGLU, and what {@link GgufGemma} reads and derives. */
    GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, boolean qkvBias,
               Map<Role, String> tensorNames, GgufGemma gemma) {
        this(name, architecture, ropeLayout, qkvBias, tensorNames, Dialect.GEMMA, gemma);
    }

    /**
     * What a family's metadata says beyond llama's keys (llama.cpp's llama-model.cpp, load_hparams and the graph of
     * each architecture).
     *
     * @param activations   the MLP's activation, which no key names: llama.cpp's graph runs the first, and a file
     *                      without grow4j's key reads as it; a model with one of the others is written with that key
     * @param biases        biases on Q, K, V, the output projection and both MLP layers (gptneox), beside the
     *                      family's qkvBias
     * @param partialRotary {name}.rope.dimension_count may rotate part of each head (the graph passes n_rot to RoPE);
     *                      other families' graphs require the whole head
     * @param residualKey   {name}.use_parallel_residual says how the branches meet the residual stream (required)
     * @param slidingWindow llama.cpp requires {name}.attention.sliding_window (phi3 throws "invalid value for
     *                      sliding_window" without it); grow4j, like its phi3 directories, does not model the window
     * @param longRope      the graph applies LongRoPE's factor tensors ({@link GgufRopeFactors}, phi3)
     */
    record Dialect(List<Activation> activations, boolean biases, boolean partialRotary, boolean residualKey,
                   boolean slidingWindow, boolean longRope) {
        static final Dialect LLAMA = new Dialect(List.of(Activation.SWIGLU), false, false, false, false, false);
        /** Gemma 2 and 3: GeGLU with tanh GELU (gelu_pytorch_tanh); their other keys are {@link GgufGemma}'s. */
        static final Dialect GEMMA = new Dialect(List.of(Activation.GEGLU_TANH), false, false, false, false, false);

        Dialect {
            activations = List.copyOf(activations);
        }
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

    /** Phi-3 (convert_hf_to_gguf.py's Phi3MiniModel keeps qkv_proj and gate_up_proj fused as attn_qkv and ffn_up). */
    private static final Map<Role, String> PHI3_NAMES = with(LLAMA_NAMES, Map.of(
            Role.WQ, "blk.{i}.attn_qkv.weight",
            Role.WK, "blk.{i}.attn_qkv.weight",
            Role.WV, "blk.{i}.attn_qkv.weight",
            Role.W_GATE, "blk.{i}.ffn_up.weight",
            Role.W_UP, "blk.{i}.ffn_up.weight"));

    /**
     * GPT-NeoX: LayerNorms with biases, every linear layer with a bias, Q, K and V stacked whole in attn_qkv
     * (convert_hf_to_gguf.py's GPTNeoXModel regroups Hugging Face's head-by-head query_key_value into [q; k; v]).
     */
    private static final Map<Role, String> GPTNEOX_NAMES = Map.ofEntries(
            Map.entry(Role.TOKEN_EMBEDDING, "token_embd.weight"),
            Map.entry(Role.ATTENTION_NORM, "blk.{i}.attn_norm.weight"),
            Map.entry(Role.ATTENTION_NORM_BIAS, "blk.{i}.attn_norm.bias"),
            Map.entry(Role.WQ, "blk.{i}.attn_qkv.weight"),
            Map.entry(Role.WK, "blk.{i}.attn_qkv.weight"),
            Map.entry(Role.WV, "blk.{i}.attn_qkv.weight"),
            Map.entry(Role.BQ, "blk.{i}.attn_qkv.bias"),
            Map.entry(Role.BK, "blk.{i}.attn_qkv.bias"),
            Map.entry(Role.BV, "blk.{i}.attn_qkv.bias"),
            Map.entry(Role.WO, "blk.{i}.attn_output.weight"),
            Map.entry(Role.BO, "blk.{i}.attn_output.bias"),
            Map.entry(Role.MLP_NORM, "blk.{i}.ffn_norm.weight"),
            Map.entry(Role.MLP_NORM_BIAS, "blk.{i}.ffn_norm.bias"),
            Map.entry(Role.W_UP, "blk.{i}.ffn_up.weight"),
            Map.entry(Role.B_UP, "blk.{i}.ffn_up.bias"),
            Map.entry(Role.W_DOWN, "blk.{i}.ffn_down.weight"),
            Map.entry(Role.B_DOWN, "blk.{i}.ffn_down.bias"),
            Map.entry(Role.FINAL_NORM, "output_norm.weight"),
            Map.entry(Role.FINAL_NORM_BIAS, "output_norm.bias"),
            Map.entry(Role.OUTPUT, "output.weight"));

    /** Phi-3: partial rotary (Phi-4-mini), the sliding-window key llama.cpp requires, LongRoPE. */
    private static final Dialect PHI3 = new Dialect(List.of(Activation.SWIGLU), false, true, false,
            true, true);
    /**
     * GPT-NeoX: llama.cpp runs the MLP with ggml_gelu, the tanh approximation, whatever the source's hidden_act; a
     * model with exact GELU says so in a grow4j key ({@link GgufConfigCodec}).
     */
    private static final Dialect GPTNEOX = new Dialect(List.of(Activation.GELU_TANH, Activation.GELU), true, true,
            true, false, false);

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
            new GgufFamily("qwen2moe", Architecture.QWEN2_MOE, RopeLayout.HALF_SPLIT, true, QWEN2MOE_NAMES),
            new GgufFamily("phi3", Architecture.PHI3, RopeLayout.HALF_SPLIT, false, PHI3_NAMES, PHI3),
            new GgufFamily("gptneox", Architecture.GPT_NEOX, RopeLayout.HALF_SPLIT, false, GPTNEOX_NAMES, GPTNEOX),
            new GgufFamily("gptneox", Architecture.GPT_NEOX_SEQUENTIAL, RopeLayout.HALF_SPLIT, false, GPTNEOX_NAMES,
                    GPTNEOX),
            new GgufFamily("gemma2", Architecture.GEMMA2, RopeLayout.HALF_SPLIT, false, GEMMA2_NAMES,
                    GgufGemma.GEMMA2),
            new GgufFamily("gemma3", Architecture.GEMMA3, RopeLayout.HALF_SPLIT, false, GEMMA3_NAMES,
                    GgufGemma.GEMMA3));


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
        return byName(name, f -> f.architecture.mixtureOfExperts() == experts);
    }

    /** The first row of a GGUF architecture name that {@code matches}; null if there is none. */
    static GgufFamily byName(String name, Predicate<GgufFamily> matches) {
        return ALL.stream().filter(f -> f.name.equals(name) && matches.test(f)).findFirst().orElse(null);
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

    /** llama.cpp computes the head from token_embd: no output.weight is read or written. */
    boolean tiedOnly() {
        return !names(Role.OUTPUT);
    }

    /** Norm gains are stored as 1 + w ({@link GgufUnitOffsetGains}). */
    boolean unitOffsetGains() {
        return architecture.norm().kind() == NormKind.RMS_UNIT_OFFSET;
    }

    /**
     * Whether q, k and v share one stored tensor (attn_qkv: Phi-3, GPT-NeoX). llama.cpp's graphs for those split it
     * with views whose query part is n_embd wide (llama-model.cpp, build_phi3 / build_gptneox), so there heads × head
     * size must equal the hidden size.
     */
    boolean fusedQkv() {
        return names(Role.WQ) && tensorNames.get(Role.WQ).equals(tensorNames.get(Role.WK));
    }

    /** Whether this family names every tensor the config implies. */
    boolean names(Role role) {
        return tensorNames.containsKey(role);
    }

    /**
     * GGUF name of every tensor a config implies, in {@link Model#expectedKeys} order of their first parts, with the
     * model tensors it stacks along rows (one for most).
     */
    SequencedMap<String, List<TensorKey>> tensorParts(TransformerConfig config) {
        SequencedMap<String, List<TensorKey>> parts = new LinkedHashMap<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            parts.computeIfAbsent(tensorName(key), n -> new java.util.ArrayList<>()).add(key);
        }
        parts.replaceAll((name, keys) -> List.copyOf(keys));
        return parts;
    }

    /**
     * GGUF name of every tensor a config implies, in {@link Model#expectedKeys} order, for a family that stores each
     * model tensor whole.
     *
     * @throws IllegalStateException the family fuses tensors ({@link #tensorParts})
     */
    SequencedMap<String, TensorKey> tensorNames(TransformerConfig config) {
        SequencedMap<String, TensorKey> names = new LinkedHashMap<>();
        tensorParts(config).forEach((name, keys) -> {
            if (keys.size() != 1) {
                throw new IllegalStateException("GGUF " + this.name + " stacks " + keys + " in " + name);
            }
            names.put(name, keys.getFirst());
        });
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
