package io.grow4j.model.format;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Hugging Face-style model directory: config.json plus model.safetensors (or shards with an index). The family
 * (model_type) decides field and tensor names and how tensors are stored (GPT-2's fused, [in, out] Conv1D weights);
 * see {@link HfFamily}. Llama, Mistral and Qwen2 store Q and K rows half-split, so reading yields a
 * {@link io.grow4j.model.RopeLayout#HALF_SPLIT} config and writing an interleaved model permutes those rows. Tensors
 * keep their dtype both ways. Everything else survives a read, growth and a write: every config.json key (null values
 * included, in order, changed only where the model changed, see {@link HfConfigWriter}) for the same family, and
 * every non-weight file ({@link HfSourceFiles}: tokenizer, generation_config.json, chat templates...).
 */
public final class HfDirectoryFormat implements ModelFormat {
    static final String CONFIG = "config.json";
    /** Extras key of the read note about dropped inv_freq buffers. */
    private static final String ROTARY_NOTE_KEY = "hf-rotary-buffers";
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
        {   // the tensors are views of the mappings, which live as long as they do
            SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(dir, Arena.ofAuto());
            TransformerConfig config = found.family().withOptionalTensors(found.config(), weights.tensors().keySet());
            SequencedMap<StoredTensor, String> files = locateTensors(dir, found.family(), config, weights);
            Map<TensorKey, Tensor> tensors = new TreeMap<>();
            // Each expert's slice is read in place; stacking them on the expert axis is the one copy.
            Map<TensorKey, List<Tensor>> expertSlices = new TreeMap<>();
            files.forEach((stored, file) -> {
                if (stored.expert() >= 0) {
                    expertSlices.computeIfAbsent(stored.parts().getFirst(), k -> new ArrayList<>())
                            .add(weights.mapped(file));
                } else {
                    tensors.putAll(HfStorage.split(stored, weights.mapped(file)));
                }
            });
            expertSlices.forEach((key, slices) -> tensors.put(key, HfStorage.stackExperts(slices)));
            Map<String, Object> extras = new LinkedHashMap<>(found.carried().asExtras());
            int buffers = HfRotaryBuffers.present(weights.tensors().keySet()).size();
            if (buffers > 0) {
                extras.put(ROTARY_NOTE_KEY, HfRotaryBuffers.note(buffers));
            }
            return new Model(config, tensors, extras);
        }
    }

    /** A directory's family and config, read from its config.json, with what a directory written from it carries. */
    record DirectoryConfig(HfFamily family, TransformerConfig config, HfCarried carried) {
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
        ObjectNode root = readConfig(configFile);
        HfFamily family = family(configFile, root);
        TransformerConfig config = configOf(configFile, root);
        return new DirectoryConfig(family, config, HfCarried.read(family, root, HfSourceFiles.scan(dir)));
    }

    /**
     * The config that a config.json object, or the same keys read from elsewhere ({@code train --init}'s YAML), means:
     * {@code model_type} picks the family and its codec reads the rest with transformers' defaults. Errors name
     * {@code source}: an unknown or missing model_type (with the supported ones), or every bad field at once.
     */
    public static TransformerConfig configOf(Path source, JsonNode root) throws CheckpointException {
        TransformerConfig config = parseConfig(family(source, root), source, root);
        checkLayerLists(source, root, config.layers());
        return config;
    }

    /** The config a family's config.json object means. */
    static TransformerConfig parseConfig(HfFamily family, Path configFile, JsonNode root) throws CheckpointException {
        ConfigFields fields = new ConfigFields(configFile, root);
        COMMON_FIELDS.forEach(fields::node);
        try {
            return family.codec().read(fields);
        } catch (IllegalArgumentException e) {
            // Sizes each field allows but that break a limit together (heads x head size past the largest axis).
            throw new CheckpointException(configFile, "inconsistent config: " + e.getMessage(), e);
        }
    }

    /**
     * transformers' layer_types has one entry per layer; another length is a broken config (issue 9, bad input).
     * Checked on the source only: the config writer reads back configs whose lists it has yet to resize.
     */
    private static void checkLayerLists(Path configFile, JsonNode root, int layers) throws CheckpointException {
        JsonNode types = root.get("layer_types");
        if (types != null && types.isArray() && types.size() != layers) {
            throw new CheckpointException(configFile, "bad config:\n  layer_types has " + types.size()
                    + " entries, but num_hidden_layers is " + layers + " (one per layer)");
        }
    }

    private static ObjectNode readConfig(Path configFile) throws CheckpointException {
        try {
            JsonNode root = SafetensorsFile.JSON.readTree(configFile.toFile());
            if (root == null || !root.isObject()) {
                throw new CheckpointException(configFile, "expected a JSON object");
            }
            return (ObjectNode) root;
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException e) {
            throw new CheckpointException(configFile, "corrupt JSON: " + e.getMessage(), e);
        }
    }

    private static HfFamily family(Path configFile, JsonNode root) throws CheckpointException {
        JsonNode type = root.get("model_type");
        HfFamily family = type == null || !type.isTextual() ? null : HfFamily.byModelType(type.asText());
        if (family == null && type != null && type.asText().equals("gemma3") && root.has("text_config")) {
            // Its text model is a gemma3_text model under other tensor names; the vision parts would have to ride along.
            throw new CheckpointException(configFile, "model_type \"gemma3\" is Gemma3ForConditionalGeneration, text"
                    + " and vision (text_config, vision_config; tensors under language_model.model. or"
                    + " model.language_model.), which grow4j does not read: it would have to carry the vision tower and"
                    + " multi_modal_projector tensors, and hidden growth would also widen the projector's output."
                    + " Its text model alone is model_type gemma3_text (supported: " + HfFamily.supportedModelTypes()
                    + ")");
        }
        if (family == null) {
            throw new CheckpointException(configFile, (type == null ? "no model_type" : "unknown model_type " + type)
                    + " (supported: " + HfFamily.supportedModelTypes() + ")");
        }
        return family;
    }

    /**
     * The file name of every stored tensor the config implies (the family's name, or with one of its prefixes), after
     * checking them all: missing, unexpected and misshapen tensors are reported together, with names and shapes.
     * Buffers the family may hold besides weights are skipped, in any dtype; a weight in a dtype that holds no
     * floating-point numbers is refused by name, and a tied output head stored anyway must equal the embedding.
     */
    static SequencedMap<StoredTensor, String> locateTensors(Path dir, HfFamily family, TransformerConfig config,
            SafetensorsCheckpoint weights) throws CheckpointException {
        LayerCount.check(dir.resolve(CONFIG), family.codec().layersField(), config.layers(), weights.tensors().size());
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
            if (found.entry().dtype().modelDType().isEmpty()) {
                problems.add(file + " in " + found.file().path().getFileName() + ": dtype " + found.entry().dtype()
                        + " cannot hold a weight (grow4j reads weights in F64, F32, F16 or BF16)");
            }
            files.put(stored, file);
        }
        Set<String> used = new HashSet<>(files.values());
        TiedHead.redundantCopy(family, config, weights, problems).ifPresent(used::add);
        problems.addAll(HfRotaryBuffers.problems(config, weights));
        weights.tensors().forEach((name, found) -> {
            if (!used.contains(name) && !family.isBuffer(name) && !name.endsWith(HfRotaryBuffers.SUFFIX)) {
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
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < stored.parts().size(); i++) {
            parts.add(stored.parts().get(i) + (stored.parts().size() > 1 ? " " + stored.partRows().get(i) + " rows"
                    : ""));
        }
        return String.join(" + ", parts)
                + (stored.spec().transposed() ? ", stored [in, out]" : "")
                + (stored.heads() > 1 ? ", fused head by head over " + stored.heads() + " heads" : "");
    }

    /** What reading dropped: agreeing rotary_emb.inv_freq buffers. */
    @Override
    public List<String> readNotes(Model model) {
        return model.extras().get(ROTARY_NOTE_KEY) instanceof String note ? List.of(note) : List.of();
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

    /**
     * {@link #writeProblems(TransformerConfig)} plus what the source's carried config.json cannot follow and the
     * source files that cannot be carried.
     */
    @Override
    public List<String> writeProblems(Model source, TransformerConfig grown) {
        return writeProblems(grown, source.extras());
    }

    static List<String> writeProblems(TransformerConfig config, Map<String, ?> extras) {
        List<String> problems = new ArrayList<>(new HfDirectoryFormat().writeProblems(config));
        if (problems.isEmpty()) {
            problems.addAll(HfConfigWriter.problems(config, HfCarried.of(extras)));
        }
        HfCarried.of(extras).ifPresent(c -> problems.addAll(c.files().problems()));
        return problems;
    }

    @Override
    public void write(Model model, Path out) throws IOException {
        List<String> problems = writeProblems(model.config(), model.extras());
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
            SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
            family.storedTensors(stored.config()).forEach(t -> tensors.put(t.name(), HfStorage.join(t, stored)));
            SafetensorsWriter.write(dir.resolve(SafetensorsCheckpoint.SINGLE), tensors);
            writeCarried(dir, stored.config(), stored.tensors().values().stream().map(Tensor::dtype).toList(),
                    stored.extras());
        });
    }

    /**
     * Writes everything of a directory but the weights: config.json for {@code config} (carrying the source's keys
     * when {@code extras} come from a directory of the same family, see {@link HfConfigWriter}) and copies of the
     * source's non-weight files ({@link HfSourceFiles}). The one path both whole and streamed writes take.
     *
     * @param dtypes the dtype of every tensor written, for torch_dtype
     */
    static void writeCarried(Path dir, TransformerConfig config, Collection<DType> dtypes, Map<String, ?> extras)
            throws IOException {
        Optional<HfCarried> carried = HfCarried.of(extras);
        if (carried.isPresent()) {
            carried.get().files().copyInto(dir);
        }
        HfConfigWriter.write(dir.resolve(CONFIG), HfFamily.forArchitecture(config.architecture()), config,
                torchDtype(dtypes), carried);
    }

    /**
     * torch_dtype is one value: the common dtype, or for mixed tensors one that holds them all without rounding
     * (F16 and BF16 do not hold each other, F32 holds both).
     */
    static DType torchDtype(Collection<DType> dtypes) {
        if (!dtypes.isEmpty() && dtypes.stream().distinct().count() == 1) {
            return dtypes.iterator().next();
        }
        return dtypes.contains(DType.F64) ? DType.F64 : DType.F32;
    }
}
