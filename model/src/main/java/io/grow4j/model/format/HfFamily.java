package io.grow4j.model.format;

import io.grow4j.model.Architecture;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
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
 * One model family in a Hugging Face-style directory: its model_type, the architecture it maps to, how its tensors
 * are named (a template per role, "{i}" standing for the layer) and how its config.json reads. Adding a family is
 * adding a row to {@link #ALL}, not a branch anywhere else.
 */
record HfFamily(String modelType, String architectureClass, Architecture architecture, Map<Role, String> tensorNames,
        HfConfigCodec codec) {

    HfFamily {
        tensorNames = Collections.unmodifiableMap(new EnumMap<>(tensorNames));
    }

    private static final Map<Role, String> LLAMA_NAMES = new EnumMap<>(Map.ofEntries(
            Map.entry(Role.TOKEN_EMBEDDING, "model.embed_tokens.weight"),
            Map.entry(Role.ATTENTION_NORM, "model.layers.{i}.input_layernorm.weight"),
            Map.entry(Role.WQ, "model.layers.{i}.self_attn.q_proj.weight"),
            Map.entry(Role.BQ, "model.layers.{i}.self_attn.q_proj.bias"),
            Map.entry(Role.WK, "model.layers.{i}.self_attn.k_proj.weight"),
            Map.entry(Role.BK, "model.layers.{i}.self_attn.k_proj.bias"),
            Map.entry(Role.WV, "model.layers.{i}.self_attn.v_proj.weight"),
            Map.entry(Role.BV, "model.layers.{i}.self_attn.v_proj.bias"),
            Map.entry(Role.WO, "model.layers.{i}.self_attn.o_proj.weight"),
            Map.entry(Role.BO, "model.layers.{i}.self_attn.o_proj.bias"),
            Map.entry(Role.MLP_NORM, "model.layers.{i}.post_attention_layernorm.weight"),
            Map.entry(Role.W_GATE, "model.layers.{i}.mlp.gate_proj.weight"),
            Map.entry(Role.W_UP, "model.layers.{i}.mlp.up_proj.weight"),
            Map.entry(Role.B_UP, "model.layers.{i}.mlp.up_proj.bias"),
            Map.entry(Role.W_DOWN, "model.layers.{i}.mlp.down_proj.weight"),
            Map.entry(Role.B_DOWN, "model.layers.{i}.mlp.down_proj.bias"),
            Map.entry(Role.FINAL_NORM, "model.norm.weight"),
            Map.entry(Role.OUTPUT, "lm_head.weight")));

    private static final Map<Role, String> GENERIC_NAMES = with(LLAMA_NAMES,
            Role.POSITION_EMBEDDING, "model.embed_positions.weight");

    static final List<HfFamily> ALL = List.of(
            new HfFamily("llama", "LlamaForCausalLM", Architecture.LLAMA, LLAMA_NAMES, new LlamaConfigCodec()),
            new HfFamily("grow4j-generic", "Grow4jGenericForCausalLM", Architecture.GENERIC, GENERIC_NAMES,
                    new GenericConfigCodec()));

    /** The family of a config.json model_type, or null. */
    static HfFamily byModelType(String modelType) {
        return ALL.stream().filter(f -> f.modelType.equals(modelType)).findFirst().orElse(null);
    }

    static HfFamily forArchitecture(Architecture architecture) {
        return ALL.stream().filter(f -> f.architecture == architecture).findFirst()
                .orElseThrow(() -> new IllegalStateException("no directory family for " + architecture));
    }

    static String supportedModelTypes() {
        return ALL.stream().map(HfFamily::modelType).collect(Collectors.joining(", "));
    }

    /** File name of every tensor a config implies, in {@link Model#expectedKeys} order. */
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
            throw new IllegalStateException(modelType + " has no tensor name for " + key.role());
        }
        return template.replace("{i}", Integer.toString(key.layer()));
    }

    private static Map<Role, String> with(Map<Role, String> base, Role role, String name) {
        Map<Role, String> names = new EnumMap<>(base);
        names.put(role, name);
        return names;
    }
}
