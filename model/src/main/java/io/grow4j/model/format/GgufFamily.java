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
 * One GGUF architecture (general.architecture): the grow4j architecture it maps to, the RoPE layout its Q and K rows
 * are stored in, and its tensor names as llama.cpp spells them (a template per role, "{i}" for the block). Config keys
 * are "{name}.context_length" etc. ({@link GgufConfigCodec}). Adding a family is adding a row to {@link #ALL}.
 */
record GgufFamily(String name, Architecture architecture, RopeLayout ropeLayout, Map<Role, String> tensorNames) {
    GgufFamily {
        tensorNames = Collections.unmodifiableMap(new EnumMap<>(tensorNames));
    }

    private static final Map<Role, String> LLAMA_NAMES = new EnumMap<>(Map.ofEntries(
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
            Map.entry(Role.OUTPUT, "output.weight")));

    /**
     * llama.cpp's converter permutes Hugging Face's half-split Q/K rows back to Meta's interleaved pairs
     * (convert_hf_to_gguf.py, LlamaModel.permute), so GGUF llama tensors are interleaved.
     */
    static final List<GgufFamily> ALL = List.of(
            new GgufFamily("llama", Architecture.LLAMA, RopeLayout.INTERLEAVED, LLAMA_NAMES));

    static GgufFamily byName(String name) {
        return ALL.stream().filter(f -> f.name.equals(name)).findFirst().orElse(null);
    }

    static GgufFamily forArchitecture(Architecture architecture) {
        return ALL.stream().filter(f -> f.architecture.equals(architecture)).findFirst().orElse(null);
    }

    static String supported() {
        return ALL.stream().map(GgufFamily::name).collect(Collectors.joining(", "));
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
