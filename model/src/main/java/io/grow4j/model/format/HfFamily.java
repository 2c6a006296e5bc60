package io.grow4j.model.format;

import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One model family in a Hugging Face-style directory, as data: its model_type, the architecture it maps to, how its
 * tensors are stored ({@link HfTensor}: name template, fused parts, [in, out] storage), how its config.json reads,
 * the name prefixes a checkpoint may put before every name (a task model's "transformer." or "bert."), and buffers
 * it may hold that are no weights (GPT-2's causal mask). Adding a family is adding a row to {@link #ALL}, not a
 * branch anywhere else.
 */
record HfFamily(String modelType, String architectureClass, Architecture architecture, List<HfTensor> tensors,
        HfConfigCodec codec, List<String> prefixes, List<String> buffers) {

    HfFamily {
        tensors = List.copyOf(tensors);
        prefixes = List.copyOf(prefixes);
        buffers = List.copyOf(buffers);
    }

    private static final List<HfTensor> LLAMA_TENSORS = List.of(
            HfTensor.of(Role.TOKEN_EMBEDDING, "model.embed_tokens.weight"),
            HfTensor.of(Role.ATTENTION_NORM, "model.layers.{i}.input_layernorm.weight"),
            HfTensor.of(Role.WQ, "model.layers.{i}.self_attn.q_proj.weight"),
            HfTensor.of(Role.BQ, "model.layers.{i}.self_attn.q_proj.bias"),
            HfTensor.of(Role.WK, "model.layers.{i}.self_attn.k_proj.weight"),
            HfTensor.of(Role.BK, "model.layers.{i}.self_attn.k_proj.bias"),
            HfTensor.of(Role.WV, "model.layers.{i}.self_attn.v_proj.weight"),
            HfTensor.of(Role.BV, "model.layers.{i}.self_attn.v_proj.bias"),
            HfTensor.of(Role.WO, "model.layers.{i}.self_attn.o_proj.weight"),
            HfTensor.of(Role.BO, "model.layers.{i}.self_attn.o_proj.bias"),
            HfTensor.of(Role.MLP_NORM, "model.layers.{i}.post_attention_layernorm.weight"),
            HfTensor.of(Role.W_GATE, "model.layers.{i}.mlp.gate_proj.weight"),
            HfTensor.of(Role.B_GATE, "model.layers.{i}.mlp.gate_proj.bias"),
            HfTensor.of(Role.W_UP, "model.layers.{i}.mlp.up_proj.weight"),
            HfTensor.of(Role.B_UP, "model.layers.{i}.mlp.up_proj.bias"),
            HfTensor.of(Role.W_DOWN, "model.layers.{i}.mlp.down_proj.weight"),
            HfTensor.of(Role.B_DOWN, "model.layers.{i}.mlp.down_proj.bias"),
            HfTensor.of(Role.FINAL_NORM, "model.norm.weight"),
            HfTensor.of(Role.OUTPUT, "lm_head.weight"));

    /** Qwen3: Llama's names plus one per-head RMSNorm gain for queries and one for keys. */
    private static final List<HfTensor> QWEN3_TENSORS = concat(LLAMA_TENSORS,
            HfTensor.of(Role.Q_HEAD_NORM, "model.layers.{i}.self_attn.q_norm.weight"),
            HfTensor.of(Role.K_HEAD_NORM, "model.layers.{i}.self_attn.k_norm.weight"));

    /**
     * OLMo-2: no norm on a branch's input; post_attention_layernorm and post_feedforward_layernorm norm each branch's
     * output, q_norm and k_norm the whole projections.
     */
    private static final List<HfTensor> OLMO2_TENSORS = concat(
            LLAMA_TENSORS.stream().filter(t -> !t.parts().contains(Role.ATTENTION_NORM)
                    && !t.parts().contains(Role.MLP_NORM)).toList(),
            HfTensor.of(Role.ATTENTION_NORM, "model.layers.{i}.post_attention_layernorm.weight"),
            HfTensor.of(Role.MLP_NORM, "model.layers.{i}.post_feedforward_layernorm.weight"),
            HfTensor.of(Role.Q_NORM, "model.layers.{i}.self_attn.q_norm.weight"),
            HfTensor.of(Role.K_NORM, "model.layers.{i}.self_attn.k_norm.weight"));

    /**
     * Mixtral: Llama's attention, then block_sparse_moe with its router (gate) and each expert's w1 (gate), w3 (up)
     * and w2 (down) stored apart (HF transformers modeling_mixtral.py, MixtralBlockSparseTop2MLP).
     */
    private static final List<HfTensor> MIXTRAL_TENSORS = concat(
            LLAMA_TENSORS.stream().filter(t -> !t.template().contains(".mlp.")).toList(),
            HfTensor.of(Role.ROUTER, "model.layers.{i}.block_sparse_moe.gate.weight"),
            HfTensor.perExpert(Role.EXPERT_GATE, "model.layers.{i}.block_sparse_moe.experts.{e}.w1.weight"),
            HfTensor.perExpert(Role.EXPERT_DOWN, "model.layers.{i}.block_sparse_moe.experts.{e}.w2.weight"),
            HfTensor.perExpert(Role.EXPERT_UP, "model.layers.{i}.block_sparse_moe.experts.{e}.w3.weight"));

    /**
     * Gemma 2: Llama's names, with four norms per block: input_layernorm before attention, post_attention_layernorm
     * on its output, pre_feedforward_layernorm and post_feedforward_layernorm around the MLP (HF Gemma2DecoderLayer).
     */
    private static final List<HfTensor> GEMMA2_TENSORS = concat(
            LLAMA_TENSORS.stream().filter(t -> !t.parts().contains(Role.MLP_NORM)).toList(),
            HfTensor.of(Role.ATTENTION_POST_NORM, "model.layers.{i}.post_attention_layernorm.weight"),
            HfTensor.of(Role.MLP_NORM, "model.layers.{i}.pre_feedforward_layernorm.weight"),
            HfTensor.of(Role.MLP_POST_NORM, "model.layers.{i}.post_feedforward_layernorm.weight"));

    /** Gemma 3 (Gemma3ForCausalLM): Gemma 2's names plus the per-head q_norm and k_norm. */
    private static final List<HfTensor> GEMMA3_TENSORS = concat(GEMMA2_TENSORS,
            HfTensor.of(Role.Q_HEAD_NORM, "model.layers.{i}.self_attn.q_norm.weight"),
            HfTensor.of(Role.K_HEAD_NORM, "model.layers.{i}.self_attn.k_norm.weight"));
    /**
     * Qwen2-MoE: Qwen2's attention, then mlp with its router (gate), each expert's gate/up/down_proj stored apart,
     * the shared expert and its one-row sigmoid gate (HF transformers modeling_qwen2_moe.py, Qwen2MoeSparseMoeBlock).
     */
    private static final List<HfTensor> QWEN2_MOE_TENSORS = concat(
            LLAMA_TENSORS.stream().filter(t -> !t.template().contains(".mlp.")).toList(),
            HfTensor.of(Role.ROUTER, "model.layers.{i}.mlp.gate.weight"),
            HfTensor.perExpert(Role.EXPERT_GATE, "model.layers.{i}.mlp.experts.{e}.gate_proj.weight"),
            HfTensor.perExpert(Role.EXPERT_UP, "model.layers.{i}.mlp.experts.{e}.up_proj.weight"),
            HfTensor.perExpert(Role.EXPERT_DOWN, "model.layers.{i}.mlp.experts.{e}.down_proj.weight"),
            HfTensor.of(Role.SHARED_GATE, "model.layers.{i}.mlp.shared_expert.gate_proj.weight"),
            HfTensor.of(Role.SHARED_UP, "model.layers.{i}.mlp.shared_expert.up_proj.weight"),
            HfTensor.of(Role.SHARED_DOWN, "model.layers.{i}.mlp.shared_expert.down_proj.weight"),
            HfTensor.of(Role.SHARED_EXPERT_GATE, "model.layers.{i}.mlp.shared_expert_gate.weight"));

    /**
     * Phi-3: Llama's names, but Q, K and V stacked in one qkv_proj ([q; k; v] rows) and gate and up in one
     * gate_up_proj ([gate; up] rows, chunked in that order by Phi3MLP); no biases.
     */
    private static final List<HfTensor> PHI3_TENSORS = List.of(
            HfTensor.of(Role.TOKEN_EMBEDDING, "model.embed_tokens.weight"),
            HfTensor.of(Role.ATTENTION_NORM, "model.layers.{i}.input_layernorm.weight"),
            HfTensor.fused("model.layers.{i}.self_attn.qkv_proj.weight", Role.WQ, Role.WK, Role.WV),
            HfTensor.of(Role.WO, "model.layers.{i}.self_attn.o_proj.weight"),
            HfTensor.of(Role.MLP_NORM, "model.layers.{i}.post_attention_layernorm.weight"),
            HfTensor.fused("model.layers.{i}.mlp.gate_up_proj.weight", Role.W_GATE, Role.W_UP),
            HfTensor.of(Role.W_DOWN, "model.layers.{i}.mlp.down_proj.weight"),
            HfTensor.of(Role.FINAL_NORM, "model.norm.weight"),
            HfTensor.of(Role.OUTPUT, "lm_head.weight"));

    private static final List<HfTensor> GENERIC_TENSORS = concat(LLAMA_TENSORS,
            HfTensor.of(Role.POSITION_EMBEDDING, "model.embed_positions.weight"));

    /** GPT-2's Conv1D layers store [in, out]; c_attn holds Q, K and V side by side along out. */
    private static final List<HfTensor> GPT2_TENSORS = List.of(
            HfTensor.of(Role.TOKEN_EMBEDDING, "wte.weight"),
            HfTensor.of(Role.POSITION_EMBEDDING, "wpe.weight"),
            HfTensor.of(Role.ATTENTION_NORM, "h.{i}.ln_1.weight"),
            HfTensor.of(Role.ATTENTION_NORM_BIAS, "h.{i}.ln_1.bias"),
            HfTensor.conv1d("h.{i}.attn.c_attn.weight", Role.WQ, Role.WK, Role.WV),
            HfTensor.fused("h.{i}.attn.c_attn.bias", Role.BQ, Role.BK, Role.BV),
            HfTensor.conv1d("h.{i}.attn.c_proj.weight", Role.WO),
            HfTensor.of(Role.BO, "h.{i}.attn.c_proj.bias"),
            HfTensor.of(Role.MLP_NORM, "h.{i}.ln_2.weight"),
            HfTensor.of(Role.MLP_NORM_BIAS, "h.{i}.ln_2.bias"),
            HfTensor.conv1d("h.{i}.mlp.c_fc.weight", Role.W_UP),
            HfTensor.of(Role.B_UP, "h.{i}.mlp.c_fc.bias"),
            HfTensor.conv1d("h.{i}.mlp.c_proj.weight", Role.W_DOWN),
            HfTensor.of(Role.B_DOWN, "h.{i}.mlp.c_proj.bias"),
            HfTensor.of(Role.FINAL_NORM, "ln_f.weight"),
            HfTensor.of(Role.FINAL_NORM_BIAS, "ln_f.bias"),
            HfTensor.of(Role.OUTPUT, "lm_head.weight"));

    private static final String NEOX_LAYER = "gpt_neox.layers.{i}.";
    /**
     * GPT-NeoX (GPTNeoXForCausalLM): query_key_value fuses Q, K and V head by head, LayerNorms with biases, an
     * untied embed_out (HF transformers modeling_gpt_neox.py).
     */
    private static final List<HfTensor> GPT_NEOX_TENSORS = List.of(
            HfTensor.of(Role.TOKEN_EMBEDDING, "gpt_neox.embed_in.weight"),
            HfTensor.of(Role.ATTENTION_NORM, NEOX_LAYER + "input_layernorm.weight"),
            HfTensor.of(Role.ATTENTION_NORM_BIAS, NEOX_LAYER + "input_layernorm.bias"),
            HfTensor.fusedPerHead(NEOX_LAYER + "attention.query_key_value.weight", Role.WQ, Role.WK, Role.WV),
            HfTensor.fusedPerHead(NEOX_LAYER + "attention.query_key_value.bias", Role.BQ, Role.BK, Role.BV),
            HfTensor.of(Role.WO, NEOX_LAYER + "attention.dense.weight"),
            HfTensor.of(Role.BO, NEOX_LAYER + "attention.dense.bias"),
            HfTensor.of(Role.MLP_NORM, NEOX_LAYER + "post_attention_layernorm.weight"),
            HfTensor.of(Role.MLP_NORM_BIAS, NEOX_LAYER + "post_attention_layernorm.bias"),
            HfTensor.of(Role.W_UP, NEOX_LAYER + "mlp.dense_h_to_4h.weight"),
            HfTensor.of(Role.B_UP, NEOX_LAYER + "mlp.dense_h_to_4h.bias"),
            HfTensor.of(Role.W_DOWN, NEOX_LAYER + "mlp.dense_4h_to_h.weight"),
            HfTensor.of(Role.B_DOWN, NEOX_LAYER + "mlp.dense_4h_to_h.bias"),
            HfTensor.of(Role.FINAL_NORM, "gpt_neox.final_layer_norm.weight"),
            HfTensor.of(Role.FINAL_NORM_BIAS, "gpt_neox.final_layer_norm.bias"),
            HfTensor.of(Role.OUTPUT, "embed_out.weight"));

    private static final String BERT_LAYER = "encoder.layer.{i}.";
    private static final List<HfTensor> BERT_TENSORS = List.of(
            HfTensor.of(Role.TOKEN_EMBEDDING, "embeddings.word_embeddings.weight"),
            HfTensor.of(Role.POSITION_EMBEDDING, "embeddings.position_embeddings.weight"),
            HfTensor.of(Role.TOKEN_TYPE_EMBEDDING, "embeddings.token_type_embeddings.weight"),
            HfTensor.of(Role.EMBEDDING_NORM, "embeddings.LayerNorm.weight"),
            HfTensor.of(Role.EMBEDDING_NORM_BIAS, "embeddings.LayerNorm.bias"),
            HfTensor.of(Role.WQ, BERT_LAYER + "attention.self.query.weight"),
            HfTensor.of(Role.BQ, BERT_LAYER + "attention.self.query.bias"),
            HfTensor.of(Role.WK, BERT_LAYER + "attention.self.key.weight"),
            HfTensor.of(Role.BK, BERT_LAYER + "attention.self.key.bias"),
            HfTensor.of(Role.WV, BERT_LAYER + "attention.self.value.weight"),
            HfTensor.of(Role.BV, BERT_LAYER + "attention.self.value.bias"),
            HfTensor.of(Role.WO, BERT_LAYER + "attention.output.dense.weight"),
            HfTensor.of(Role.BO, BERT_LAYER + "attention.output.dense.bias"),
            HfTensor.of(Role.ATTENTION_NORM, BERT_LAYER + "attention.output.LayerNorm.weight"),
            HfTensor.of(Role.ATTENTION_NORM_BIAS, BERT_LAYER + "attention.output.LayerNorm.bias"),
            HfTensor.of(Role.W_UP, BERT_LAYER + "intermediate.dense.weight"),
            HfTensor.of(Role.B_UP, BERT_LAYER + "intermediate.dense.bias"),
            HfTensor.of(Role.W_DOWN, BERT_LAYER + "output.dense.weight"),
            HfTensor.of(Role.B_DOWN, BERT_LAYER + "output.dense.bias"),
            HfTensor.of(Role.MLP_NORM, BERT_LAYER + "output.LayerNorm.weight"),
            HfTensor.of(Role.MLP_NORM_BIAS, BERT_LAYER + "output.LayerNorm.bias"),
            HfTensor.of(Role.POOLER, "pooler.dense.weight"),
            HfTensor.of(Role.POOLER_BIAS, "pooler.dense.bias"));

    /** Causal-mask buffers older transformers saved; rotary_emb.inv_freq is checked by {@link HfRotaryBuffers}. */
    private static final List<String> NEOX_BUFFERS = List.of(NEOX_LAYER + "attention.bias",
            NEOX_LAYER + "attention.masked_bias");

    static final List<HfFamily> ALL = List.of(
            new HfFamily("llama", "LlamaForCausalLM", Architecture.LLAMA, LLAMA_TENSORS, LlamaConfigCodec.LLAMA,
                    List.of(), List.of()),
            new HfFamily("mistral", "MistralForCausalLM", Architecture.MISTRAL, LLAMA_TENSORS,
                    LlamaConfigCodec.MISTRAL, List.of(), List.of()),
            new HfFamily("qwen2", "Qwen2ForCausalLM", Architecture.QWEN2, LLAMA_TENSORS, LlamaConfigCodec.QWEN2,
                    List.of(), List.of()),
            new HfFamily("qwen3", "Qwen3ForCausalLM", Architecture.QWEN3, QWEN3_TENSORS, LlamaConfigCodec.QWEN3,
                    List.of(), List.of()),
            new HfFamily("olmo2", "Olmo2ForCausalLM", Architecture.OLMO2, OLMO2_TENSORS, LlamaConfigCodec.OLMO2,
                    List.of(), List.of()),
            // GPT2LMHeadModel saves "transformer."-prefixed names; GPT2Model (the hub's gpt2) none. The causal mask
            // buffers (BOOL, U8 or float, by transformers version) are no weights.
            new HfFamily("gpt2", "GPT2LMHeadModel", Architecture.GPT2, GPT2_TENSORS, new Gpt2ConfigCodec(),
                    List.of("transformer."), List.of("h.{i}.attn.bias", "h.{i}.attn.masked_bias")),
            new HfFamily("bert", "BertModel", Architecture.BERT, BERT_TENSORS, new BertConfigCodec(),
                    List.of("bert."), List.of("embeddings.position_ids")),
            new HfFamily("mixtral", "MixtralForCausalLM", Architecture.MIXTRAL, MIXTRAL_TENSORS,
                    LlamaConfigCodec.MIXTRAL, List.of(), List.of()),
            new HfFamily("qwen2_moe", "Qwen2MoeForCausalLM", Architecture.QWEN2_MOE, QWEN2_MOE_TENSORS,
                    LlamaConfigCodec.QWEN2_MOE, List.of(), List.of()),
            new HfFamily("gemma2", "Gemma2ForCausalLM", Architecture.GEMMA2, GEMMA2_TENSORS,
                    GemmaConfigCodec.GEMMA2, List.of(), List.of()),
            new HfFamily("gemma3_text", "Gemma3ForCausalLM", Architecture.GEMMA3, GEMMA3_TENSORS,
                    GemmaConfigCodec.GEMMA3, List.of(), List.of()),
            // One model_type, two rows: use_parallel_residual picks the architecture, the codec reads both.
            new HfFamily("gpt_neox", "GPTNeoXForCausalLM", Architecture.GPT_NEOX, GPT_NEOX_TENSORS,
                    new GptNeoxConfigCodec(), List.of(), NEOX_BUFFERS),
            new HfFamily("gpt_neox", "GPTNeoXForCausalLM", Architecture.GPT_NEOX_SEQUENTIAL, GPT_NEOX_TENSORS,
                    new GptNeoxConfigCodec(), List.of(), NEOX_BUFFERS),
            new HfFamily("phi3", "Phi3ForCausalLM", Architecture.PHI3, PHI3_TENSORS, LlamaConfigCodec.PHI3,
                    List.of(), List.of()),
            new HfFamily("smollm3", "SmolLM3ForCausalLM", Architecture.SMOLLM3, LLAMA_TENSORS,
                    LlamaConfigCodec.SMOLLM3, List.of(), List.of()),
            new HfFamily("grow4j-generic", "Grow4jGenericForCausalLM", Architecture.GENERIC, GENERIC_TENSORS,
                    new GenericConfigCodec(), List.of(), List.of()));

    /** The family of a config.json model_type, or null. */
    static HfFamily byModelType(String modelType) {
        return ALL.stream().filter(f -> f.modelType.equals(modelType)).findFirst().orElse(null);
    }

    static HfFamily forArchitecture(Architecture architecture) {
        return ALL.stream().filter(f -> f.architecture.equals(architecture)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no directory family for " + architecture));
    }

    static String supportedModelTypes() {
        return ALL.stream().map(HfFamily::modelType).distinct().collect(Collectors.joining(", "));
    }

    /** Every stored tensor a config implies, in {@link Model#expectedKeys} order of their first parts. */
    List<StoredTensor> storedTensors(TransformerConfig config) {
        Map<Role, HfTensor> byRole = byRole();
        List<StoredTensor> stored = new ArrayList<>();
        for (TensorKey key : Model.expectedKeys(config)) {
            HfTensor spec = byRole.get(key.role());
            if (spec == null) {
                throw new IllegalStateException(modelType + " has no tensor name for " + key.role());
            }
            if (spec.perExpert()) {
                for (int e = 0; e < config.mlp().experts(); e++) {
                    stored.add(StoredTensor.expertSlice(spec, key.layer(), e, config));
                }
            } else if (spec.parts().getFirst() == key.role()) {
                stored.add(StoredTensor.of(spec, key.layer(), config));
            } else if (!spec.parts().getFirst().presentIn(config)) {
                throw new IllegalStateException(spec.template() + " holds " + spec.parts() + ", not all present");
            }
        }
        return stored;
    }

    /**
     * File name of every tensor a config implies, in {@link Model#expectedKeys} order, for families that store each
     * tensor as it is (what streaming needs to map tensors byte for byte).
     */
    SequencedMap<String, TensorKey> tensorNames(TransformerConfig config) {
        SequencedMap<String, TensorKey> names = new LinkedHashMap<>();
        for (StoredTensor t : storedTensors(config)) {
            names.put(t.name(), t.key());
        }
        return names;
    }

    /**
     * True when every model tensor is whole rows of one stored tensor: plain, stacked along rows, or interleaved head
     * by head with others (GPT-NeoX's query_key_value), never transposed or sliced per expert. Such checkpoints stream
     * part by part, a head-by-head part gathered from its blocks of rows.
     */
    boolean streamsByParts() {
        return tensors.stream().allMatch(t -> !t.transposed() && !t.perExpert());
    }

    /**
     * True when every stored tensor can be written part after part from model tensors: what {@link #streamsByParts()}
     * reads (a head-by-head part interleaved again before writing, {@link #interleavedHeads}), or one expert's slice
     * of a role stacked over experts (Mixtral's experts.{e}.w1: slice e of the stacked tensor's bytes). Reading such
     * slices back needs the experts joined, which streaming does not do (a mixture-of-experts source is read in
     * memory).
     */
    boolean writesByRows() {
        return tensors.stream().allMatch(t -> !t.transposed());
    }

    /**
     * Each stored tensor's file name with the model tensors it stacks along rows, in file order (what streaming writes
     * part after part); a per-expert tensor names its stacked role once ({@link #expertSlices} says which slice).
     *
     * @throws IllegalStateException the family transposes tensors ({@link #writesByRows()} is false)
     */
    SequencedMap<String, List<TensorKey>> tensorParts(TransformerConfig config) {
        if (!writesByRows()) {
            throw new IllegalStateException(modelType + " transposes or slices tensors: " + fusedOrTransposed());
        }
        SequencedMap<String, List<TensorKey>> parts = new LinkedHashMap<>();
        for (StoredTensor t : storedTensors(config)) {
            parts.put(t.name(), t.parts());
        }
        return parts;
    }

    /** The expert index of every per-expert stored tensor a config implies, by file name (none for other families). */
    SequencedMap<String, Integer> expertSlices(TransformerConfig config) {
        SequencedMap<String, Integer> slices = new LinkedHashMap<>();
        for (StoredTensor t : storedTensors(config)) {
            if (t.spec().perExpert()) {
                slices.put(t.name(), t.expert());
            }
        }
        return slices;
    }

    /**
     * The file names of the stored tensors whose parts are interleaved head by head, with their head count (what
     * streaming interleaves before writing); empty for families that stack parts whole.
     */
    SequencedMap<String, Integer> interleavedHeads(TransformerConfig config) {
        SequencedMap<String, Integer> heads = new LinkedHashMap<>();
        for (StoredTensor t : storedTensors(config)) {
            if (t.heads() > 1) {
                heads.put(t.name(), t.heads());
            }
        }
        return heads;
    }

    /** Name templates of the tensors not stored as grow4j holds them, each with what it holds. */
    List<String> fusedOrTransposed() {
        return tensors.stream().filter(t -> !t.plain()).map(t -> t.template() + (t.parts().size() > 1 ? " = "
                + t.parts().stream().map(r -> r.name().toLowerCase()).collect(Collectors.joining(" + ")) : "")
                + (t.perHead() ? " per head" : "") + (t.perExpert() ? " (one tensor per expert)" : "")
                + (t.transposed() ? " [in, out]" : "")).toList();
    }

    /** Roles present in {@code config} that the family has no name for; a directory cannot hold those models. */
    List<Role> unnamedRoles(TransformerConfig config) {
        Map<Role, HfTensor> byRole = byRole();
        List<Role> missing = new ArrayList<>();
        for (Role role : Role.values()) {
            if (role.presentIn(config) && !byRole.containsKey(role)) {
                missing.add(role);
            }
        }
        return missing;
    }

    /** The checkpoint's name for {@code name}: itself, or with one of the family's prefixes. */
    Optional<String> locate(String name, Collection<String> available) {
        if (available.contains(name)) {
            return Optional.of(name);
        }
        return prefixes.stream().map(p -> p + name).filter(available::contains).findFirst();
    }

    /**
     * The file name of the tensor holding {@code role} (a global role such as the output head), or empty when the
     * family has none.
     */
    Optional<String> globalName(Role role) {
        return Optional.ofNullable(byRole().get(role)).map(t -> t.name(-1));
    }

    /** A buffer the family's checkpoints may hold besides weights (any prefix), never read. */
    boolean isBuffer(String name) {
        for (String buffer : buffers) {
            Pattern pattern = Pattern.compile(prefixPattern() + Pattern.quote(buffer).replace("{i}", "\\E[0-9]+\\Q"));
            if (pattern.matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The config with what only the tensors tell: whether an encoder checkpoint kept its pooler (BertModel's
     * add_pooling_layer is not in config.json).
     */
    TransformerConfig withOptionalTensors(TransformerConfig config, Collection<String> available) {
        HfTensor pooler = byRole().get(Role.POOLER);
        if (pooler == null || config.architecture().languageModelHead()) {
            return config;
        }
        return config.withPooler(locate(pooler.name(-1), available).isPresent());
    }

    private String prefixPattern() {
        return prefixes.isEmpty() ? "" : prefixes.stream().map(Pattern::quote)
                .collect(Collectors.joining("|", "(?:", ")?"));
    }

    private Map<Role, HfTensor> byRole() {
        Map<Role, HfTensor> byRole = new EnumMap<>(Role.class);
        for (HfTensor t : tensors) {
            t.parts().forEach(role -> byRole.put(role, t));
        }
        return byRole;
    }

    private static List<HfTensor> concat(List<HfTensor> base, HfTensor... extra) {
        List<HfTensor> all = new ArrayList<>(base);
        all.addAll(List.of(extra));
        return all;
    }
}
