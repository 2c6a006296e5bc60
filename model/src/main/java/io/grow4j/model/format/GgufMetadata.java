package io.grow4j.model.format;

import io.grow4j.model.Model;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * Everything a GGUF file's metadata said, in file order (tokenizer vocabulary, scores and merges, general.name, the
 * config keys...), plus which tensors reading had to dequantize. {@link GgufFormat} keeps it in the model's
 * {@link Model#extras() extras} under {@link #EXTRAS_KEY}, so growth carries it along and writing a GGUF file puts every
 * key back unchanged except those the config determines.
 */
public final class GgufMetadata {
    /** The key of this metadata in {@link Model#extras()}. */
    public static final String EXTRAS_KEY = "gguf";

    private final SequencedMap<String, GgufValue> entries;
    private final SequencedMap<String, List<String>> dequantized;

    /** Metadata to write with a model (attach it with {@link #attachTo}); no tensors were dequantized. */
    public GgufMetadata(SequencedMap<String, GgufValue> entries) {
        this(entries, new LinkedHashMap<>());
    }

    GgufMetadata(SequencedMap<String, GgufValue> entries, SequencedMap<String, List<String>> dequantized) {
        this.entries = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(entries));
        SequencedMap<String, List<String>> copy = new LinkedHashMap<>();
        dequantized.forEach((type, names) -> copy.put(type, List.copyOf(names)));
        this.dequantized = Collections.unmodifiableSequencedMap(copy);
    }

    /** The metadata a model was read with, if it came from a GGUF file (directly or grown/converted since). */
    public static Optional<GgufMetadata> of(Model model) {
        return model.extras().get(EXTRAS_KEY) instanceof GgufMetadata m ? Optional.of(m) : Optional.empty();
    }

    /** The same model with this metadata in its extras (replacing any GGUF metadata it had). */
    public Model attachTo(Model model) {
        Map<String, Object> extras = new HashMap<>(model.extras());
        extras.put(EXTRAS_KEY, this);
        return new Model(model.config(), model.tensors(), extras);
    }

    /** Every key and value, in file order. */
    public SequencedMap<String, GgufValue> entries() {
        return entries;
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * Tensors that were stored quantized and are now float32, by ggml type name (e.g. "Q8_0" → their GGUF names).
     * Their values are exactly what llama.cpp decodes, but writing them back stores floats, not the quantized blocks.
     */
    public SequencedMap<String, List<String>> dequantized() {
        return dequantized;
    }

    /** One line per quantized type, e.g. "dequantized Q8_0 → F32: 7 tensors (token_embd.weight, ...)". */
    List<String> notes() {
        return dequantized.entrySet().stream().map(e -> "dequantized " + e.getKey() + " → F32: " + e.getValue().size()
                + (e.getValue().size() == 1 ? " tensor (" : " tensors (") + e.getValue().getFirst()
                + (e.getValue().size() > 1 ? ", ...)" : ")")).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufMetadata m && m.entries.equals(entries) && m.dequantized.equals(dequantized);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + dequantized.hashCode();
    }

    @Override
    public String toString() {
        return "GgufMetadata" + entries.keySet() + (dequantized.isEmpty() ? "" : ", dequantized " + dequantized.keySet());
    }
}
