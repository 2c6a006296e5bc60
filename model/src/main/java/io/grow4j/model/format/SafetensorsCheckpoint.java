package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.grow4j.model.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The weights of a model directory: one model.safetensors, or shards listed by model.safetensors.index.json
 * ({"weight_map": {tensor: shard file}}). Every shard is mapped and its header validated up front, so a missing or
 * corrupt shard is reported before any tensor is copied.
 */
final class SafetensorsCheckpoint {
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    /** A tensor and the file it lives in. */
    record Located(SafetensorsFile file, SafetensorsFile.Entry entry) {
    }

    private final Map<String, Located> tensors;

    private SafetensorsCheckpoint(Map<String, Located> tensors) {
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Maps the directory's weights for the lifetime of {@code arena}. */
    static SafetensorsCheckpoint open(Path dir, Arena arena) throws IOException {
        Path single = dir.resolve(SINGLE);
        Path index = dir.resolve(INDEX);
        Map<String, Located> tensors = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single, arena);
            file.entries().values().forEach(e -> tensors.put(e.name(), new Located(file, e)));
        } else if (Files.isRegularFile(index)) {
            openShards(dir, index, arena, tensors);
        } else {
            boolean pickle = Files.exists(dir.resolve("pytorch_model.bin"));
            throw new CheckpointException(dir, "no " + SINGLE + " or " + INDEX + " in the model directory"
                    + (pickle ? " (pytorch_model.bin is a pickle, which grow4j does not read: convert it to"
                    + " safetensors first)" : ""));
        }
        return new SafetensorsCheckpoint(tensors);
    }

    private static void openShards(Path dir, Path index, Arena arena, Map<String, Located> tensors)
            throws IOException {
        Map<String, Set<String>> byShard = weightMap(index);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Set<String>> shard : byShard.entrySet()) {
            Path path = dir.resolve(shard.getKey());
            if (!Files.isRegularFile(path)) {
                throw new CheckpointException(index, "missing shard " + shard.getKey() + " (it should hold "
                        + shard.getValue().size() + " tensors, e.g. " + shard.getValue().iterator().next() + ")");
            }
            SafetensorsFile file = SafetensorsFile.open(path, arena);
            for (String name : shard.getValue()) {
                SafetensorsFile.Entry entry = file.entries().get(name);
                if (entry == null) {
                    problems.add("weight_map puts " + name + " in " + shard.getKey() + ", which does not hold it");
                } else {
                    tensors.put(name, new Located(file, entry));
                }
            }
            for (String name : file.entries().keySet()) {
                if (!shard.getValue().contains(name)) {
                    problems.add(shard.getKey() + " holds " + name + ", which weight_map does not list there");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException(index, "shards disagree with the index:\n  " + String.join("\n  ", problems));
        }
    }

    /** Tensor names grouped by shard file name; shard names must stay inside the directory. */
    private static Map<String, Set<String>> weightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(index, "corrupt JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new CheckpointException(index, "no weight_map object of tensor name -> shard file");
        }
        Map<String, Set<String>> byShard = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String shard = e.getValue().asText("");
            if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                    || shard.equals("..") || shard.equals(".")) {
                throw new CheckpointException(index, "weight_map entry " + e.getKey() + " -> " + e.getValue()
                        + " is not a shard file name in this directory");
            }
            byShard.computeIfAbsent(shard, s -> new LinkedHashSet<>()).add(e.getKey());
        }
        return byShard;
    }

    /** Every tensor by name, with its file. */
    Map<String, Located> tensors() {
        return tensors;
    }

    /** A tensor in place in its mapped file, in its stored dtype. */
    Tensor mapped(String name) {
        Located l = tensors.get(name);
        return l.file().mapped(l.entry());
    }
}
