package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.Role;
import io.grow4j.model.Tensor;
import io.grow4j.model.TensorKey;
import io.grow4j.model.TransformerConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face-style model directory: config.json plus model.safetensors (or shards with an index). The family
 * (model_type) decides field and tensor names and how tensors are stored (GPT-2's fused, [in, out] Conv1D weights);
 * see {@link HfFamily}. Llama, Mistral and Qwen2 store Q and K rows half-split, so reading yields a
 * {@link io.grow4j.model.RopeLayout#HALF_SPLIT} config and writing an interleaved model permutes those rows. Tensors
 * keep their dtype both ways; fields a family carries without interpreting them (Mistral's sliding_window) survive a
 * read, growth and a write of the same family.
 */
public final class HfDirectoryFormat implements ModelFormat {
    static final String CONFIG = "config.json";
    private static final Map<DType, String> TORCH_DTYPES = new EnumMap<>(Map.of(
            DType.F64, "float64", DType.F32, "float32", DType.F16, "float16", DType.BF16, "bfloat16"));
    /** Fields every family's config.json may carry that say nothing about the function. */
    private static final List<String> COMMON_FIELDS =
            List.of("model_type", "architectures", "torch_dtype", "dtype", "transformers_version");

    @Override
    public String name() {
        return "hf-directory";
    }

    @Override
    public Model read(Path dir) throws IOException {
        DirectoryConfig found = readDirectoryConfig(dir);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir, arena);
            TransformerConfig config = found.family().withOptionalTensors(found.config(), weights.tensors().keySet());
            SequencedMap<StoredTensor, String> files = locateTensors(dir, found.family(), config, weights);
            Map<TensorKey, Tensor> tensors = new TreeMap<>();
            Map<TensorKey, List<Tensor>> expertSlices = new TreeMap<>();
            files.forEach((stored, file) -> {
                if (stored.expert() >= 0) {
                    expertSlices.computeIfAbsent(stored.parts().getFirst(), k -> new ArrayList<>())
                            .add(weights.copy(file));
                } else {
                    tensors.putAll(HfStorage.split(stored, weights.copy(file)));
                }
            });
            expertSlices.forEach((key, slices) -> tensors.put(key, HfStorage.stackExperts(slices)));
            return new Model(config, tensors, found.carried().asExtras());
        }
    }

    /** A directory's family and config, read from its config.json, with the fields it carries uninterpreted. */
    record DirectoryConfig(HfFamily family, TransformerConfig config, HfCarriedFields carried) {
    }

    static DirectoryConfig readDirectoryConfig(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such model directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, "not a directory (expected config.json and model.safetensors inside)");
        }
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(dir, "no " + CONFIG + ": not a Hugging Face model directory");
        }
        JsonNode root = readConfig(configFile);
        HfFamily family = family(configFile, root);
        ConfigFields fields = new ConfigFields(configFile, root);
        COMMON_FIELDS.forEach(fields::node);
        HfCarriedFields carried = HfCarriedFields.read(family, fields);
        return new DirectoryConfig(family, family.codec().read(fields), carried);
    }

    private static JsonNode readConfig(Path configFile) throws CheckpointException {
        try {
            JsonNode root = SafetensorsFile.JSON.readTree(configFile.toFile());
            if (root == null || !root.isObject()) {
                throw new CheckpointException(configFile, "expected a JSON object");
            }
            return root;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(configFile, "corrupt JSON: " + e.getMessage(), e);
        }
    }

    private static HfFamily family(Path configFile, JsonNode root) throws CheckpointException {
        JsonNode type = root.get("model_type");
        HfFamily family = type == null || !type.isTextual() ? null : HfFamily.byModelType(type.asText());
        if (family == null) {
            throw new CheckpointException(configFile, (type == null ? "no model_type" : "unknown model_type " + type)
                    + " (supported: " + HfFamily.supportedModelTypes() + ")");
        }
        return family;
    }

    /**
     * The file name of every stored tensor the config implies (the family's name, or with one of its prefixes), after
     * checking them all: missing, unexpected and misshapen tensors are reported together, with names and shapes.
     * Buffers the family may hold besides weights are skipped.
     */
    static SequencedMap<StoredTensor, String> locateTensors(Path dir, HfFamily family, TransformerConfig config,
            SafetensorsCheckpoint weights) throws CheckpointException {
        List<String> problems = new ArrayList<>();
        SequencedMap<StoredTensor, String> files = new LinkedHashMap<>();
        Set<String> available = weights.tensors().keySet();
        for (StoredTensor stored : family.storedTensors(config)) {
            String file = family.locate(stored.name(), available).orElse(null);
            if (file == null) {
                problems.add("missing " + stored.name() + " (" + describe(stored) + "), expected shape "
                        + Tensor.shapeString(stored.shape()));
                continue;
            }
            SafetensorsCheckpoint.Located found = weights.tensors().get(file);
            if (!Arrays.equals(found.entry().shape(), stored.shape())) {
                problems.add(file + " in " + found.file().path().getFileName() + ": expected shape "
                        + Tensor.shapeString(stored.shape()) + ", got " + Tensor.shapeString(found.entry().shape())
                        + (stored.spec().plain() ? "" : " (" + describe(stored) + ")"));
            }
            files.put(stored, file);
        }
        Set<String> used = new HashSet<>(files.values());
        weights.tensors().forEach((name, found) -> {
            if (!used.contains(name) && !family.isBuffer(name)) {
                problems.add("unexpected " + name + " " + Tensor.shapeString(found.entry().shape()) + " in "
                        + found.file().path().getFileName());
            }
        });
        if (!problems.isEmpty()) {
            throw new CheckpointException(dir, "tensors disagree with " + CONFIG + " (model_type " + family.modelType()
                    + "):\n  " + String.join("\n  ", problems));
        }
        return files;
    }

    /** The model tensors a stored tensor holds, e.g. "layers.0.wq + layers.0.wk + layers.0.wv, stored [in, out]". */
    private static String describe(StoredTensor stored) {
        return String.join(" + ", stored.parts().stream().map(TensorKey::toString).toList())
                + (stored.spec().transposed() ? ", stored [in, out]" : "");
    }

    @Override
    public List<String> writeProblems(TransformerConfig config) {
        HfFamily family = HfFamily.forArchitecture(config.architecture());
        List<String> problems = new ArrayList<>(family.codec().problems(config));
        for (Role role : family.unnamedRoles(config)) {
            problems.add("the " + family.modelType() + " family stores no " + role);
        }
        return problems;
    }

    @Override
    public void write(Model model, Path out) throws IOException {
        List<String> problems = writeProblems(model.config());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot write " + out + " as a " + name() + ":\n  "
                    + String.join("\n  ", problems));
        }
        HfFamily family = HfFamily.forArchitecture(model.config().architecture());
        Model stored = family.codec().storedRopeLayout()
                .filter(layout -> model.config().usesRope())
                .map(layout -> RopePermutation.toLayout(model, layout))
                .orElse(model);
        AtomicOutput.writeDirectory(out, dir -> {
            Files.createDirectory(dir);
            writeConfig(dir.resolve(CONFIG), family, stored);
            SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
            family.storedTensors(stored.config()).forEach(t -> tensors.put(t.name(), HfStorage.join(t, stored)));
            SafetensorsWriter.write(dir.resolve(SafetensorsCheckpoint.SINGLE), tensors);
        });
    }

    private static void writeConfig(Path file, HfFamily family, Model model) throws IOException {
        ObjectNode json = configJson(family, model.config(), torchDtype(model));
        HfCarriedFields.write(model, family, json);
        SafetensorsFile.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    static void writeConfig(Path file, HfFamily family, TransformerConfig config, DType torchDtype)
            throws IOException {
        SafetensorsFile.JSON.writer(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), configJson(family, config, torchDtype));
    }

    private static ObjectNode configJson(HfFamily family, TransformerConfig config, DType torchDtype) {
        ObjectNode json = SafetensorsFile.JSON.createObjectNode();
        json.putArray("architectures").add(family.architectureClass());
        json.put("model_type", family.modelType());
        family.codec().write(config, json);
        json.put("torch_dtype", TORCH_DTYPES.get(torchDtype));
        return json;
    }

    /**
     * torch_dtype is one value: the common dtype, or for mixed tensors one that holds them all without rounding
     * (F16 and BF16 do not hold each other, F32 holds both).
     */
    private static DType torchDtype(Model model) {
        return torchDtype(model.tensors().values().stream().map(Tensor::dtype).toList());
    }

    static DType torchDtype(Collection<DType> dtypes) {
        if (!dtypes.isEmpty() && dtypes.stream().distinct().count() == 1) {
            return dtypes.iterator().next();
        }
        return dtypes.contains(DType.F64) ? DType.F64 : DType.F32;
    }
}
