package io.grow4j.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.AtomicOutput;
import io.grow4j.model.format.ModelFormats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run's state between two steps as one directory, written atomically (complete or absent): the model in float32
 * under the name the caller gives (its format follows the name, as for any output), {@value #OPTIMIZER} (AdamW's
 * moments, in the RoPE layout the model's format stored, and the {@link TrainingPosition}, {@link OptimizerStateFile})
 * and {@value #RUN} (the run's settings, its model config and RoPE layout (null for learned positions), and its log
 * so far). Reading it back and running on gives the uninterrupted run's curve bit for bit: weights and moments are
 * float32 in memory and on disk, and both are permuted back to the run's own layout ({@link StoredLayout}).
 *
 * <p>The model is written with {@code extras}, what the trained model carries besides its tensors ({@link
 * Model#extras()}: a Hugging Face directory's config.json keys and its other files, tokenizer.json among them; a GGUF
 * file's metadata and vocabulary), so a checkpoint's model is the complete model the run's OUT would be at that step,
 * and a run resumed from it writes the OUT an uninterrupted run writes, file for file.
 */
public record TrainingCheckpoint(TrainingSettings settings, TrainingPosition position, Trainer.State state,
                                 List<Trainer.LogEntry> log, String tokenizer, Map<String, ?> extras) {
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String RUN = "run.json";
    /** The name of a Hugging Face tokenizer in a model directory. */
    public static final String TOKENIZER = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /*
     * tokenizer: which tokenizer made the run's tokens (Tokenizer.identity); a run resumed with another draws other
     * windows, so its curve would not be the interrupted one's.
     */

    public TrainingCheckpoint {
        extras = Map.copyOf(extras);
    }

    /** A run on byte-level tokens of a model that carries nothing besides its tensors. */
    public TrainingCheckpoint(TrainingSettings settings, TrainingPosition position, Trainer.State state,
                              List<Trainer.LogEntry> log) {
        this(settings, position, state, log, ByteTokenizer.INSTANCE.identity(), Map.of());
    }

    /**
     * The settings and log of {@value #RUN}; {@code tokenizer} is absent from records written before tokenizer.json
     * was supported, which were all byte-level.
     */
    private record Run(TrainingSettings settings, String config, RopeLayout layout, List<Trainer.LogEntry> log,
                       String tokenizer) {
    }

    /**
     * Writes the directory {@code dir} with the model as {@code modelName}: a new one, or with {@code replace} in
     * place of an existing file or directory, once the new one is complete.
     */
    public void write(Path dir, String modelName, boolean replace) throws IOException {
        write(dir, modelName, replace, null);
    }

    /**
     * As {@link #write(Path, String, boolean)}, and a model written as a directory gets {@code tokenizerFile} as
     * its tokenizer.json when it carries none ({@link #addTokenizer}); null: none.
     */
    public void write(Path dir, String modelName, boolean replace, Path tokenizerFile) throws IOException {
        Model tensors = state.params().toModel(DType.F32);
        Model model = new Model(tensors.config(), tensors.tensors(), extras);
        TransformerConfig config = model.config();
        AtomicOutput.Writer writer = tmp -> {
            Files.createDirectory(tmp);
            Path modelPath = tmp.resolve(modelName);
            ModelFormats.forOutput(modelPath).write(model, modelPath);
            addTokenizer(modelPath, tokenizerFile);
            writeOptimizerBeside(modelPath, tmp.resolve(OPTIMIZER), state.optimizer(), position);
            JSON.writeValue(tmp.resolve(RUN).toFile(), new Run(settings, config.toString(),
                    StoredLayout.of(config), log, tokenizer));
        };
        if (replace) {
            AtomicOutput.replace(dir, writer);
        } else {
            AtomicOutput.writeDirectory(dir, writer);
        }
    }

    /**
     * Gives the model just written at {@code model} the run's tokenizer.json (a --tokenizer FILE) when it is a
     * directory that carries none: a model trained with a tokenizer ships with it, as transformers loads them
     * together. A directory that carries one (from MODEL or the checkpoint) keeps it, the run having checked it is
     * the same; a single file (GGUF, llama2.c) holds no tokenizer.json. Null {@code tokenizer}: nothing to add.
     */
    public static void addTokenizer(Path model, Path tokenizer) throws IOException {
        Path target = model.resolve(TOKENIZER);
        if (tokenizer != null && Files.isDirectory(model) && !Files.exists(target)) {
            Files.copy(tokenizer, target);
        }
    }

    /**
     * Writes AdamW's state to {@code file} for the model just written at {@code model}: read back to learn the RoPE
     * layout its format stored, so the moments sit in the same rows as their weights.
     */
    public static void writeOptimizerBeside(Path model, Path file, AdamW optimizer, TrainingPosition position)
            throws IOException {
        TransformerConfig stored = ModelFormats.forInput(model).read(model).config();
        OptimizerStateFile.write(file, StoredLayout.toLayout(optimizer, StoredLayout.of(stored)), position);
    }

    /** Reads a checkpoint directory; IllegalArgumentException naming the file and every problem found. */
    public static TrainingCheckpoint read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a checkpoint directory");
        }
        Path modelPath = modelIn(dir);
        Run run;
        try {
            run = JSON.readValue(dir.resolve(RUN).toFile(), Run.class);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(RUN) + ": not a run record: "
                    + (e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        List<String> missing = new ArrayList<>();
        if (run.settings() == null) {
            missing.add("settings");
        }
        if (run.config() == null) {
            missing.add("config");
        }
        if (run.log() == null) {
            missing.add("log");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(dir.resolve(RUN) + ": not a run record: no "
                    + String.join(", ", missing));
        }
        Model read = ModelFormats.forInput(modelPath).read(modelPath);
        Parameters stored = Parameters.of(read);
        if (run.layout() == null && StoredLayout.of(stored.config()) != null) {
            throw new IllegalArgumentException(dir.resolve(RUN) + ": not a run record: no layout for a RoPE model");
        }
        OptimizerStateFile.Contents optimizer = OptimizerStateFile.readAll(dir.resolve(OPTIMIZER), stored.config(),
                run.settings().optimizer());
        if (run.log().size() != optimizer.position().step()) {
            throw new IllegalArgumentException(dir + ": " + RUN + " logs " + run.log().size() + " steps, "
                    + OPTIMIZER + " is at step " + optimizer.position().step());
        }
        Parameters params = StoredLayout.toLayout(stored, run.layout());
        if (!params.config().toString().equals(run.config())) {
            throw new IllegalArgumentException(modelPath + ": model reads back as " + params.config() + ", the run's "
                    + "was " + run.config());
        }
        return new TrainingCheckpoint(run.settings(), optimizer.position(),
                new Trainer.State(params, StoredLayout.toLayout(optimizer.optimizer(), run.layout())), run.log(),
                run.tokenizer() == null ? ByteTokenizer.INSTANCE.identity() : run.tokenizer(), read.extras());
    }

    /** The one entry of the directory that is neither the optimizer state nor the run record. */
    private static Path modelIn(Path dir) throws IOException {
        List<Path> models;
        try (Stream<Path> entries = Files.list(dir)) {
            models = entries.filter(p -> !p.getFileName().toString().equals(OPTIMIZER)
                    && !p.getFileName().toString().equals(RUN)).toList();
        }
        List<String> missing = new ArrayList<>();
        for (String name : List.of(OPTIMIZER, RUN)) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                missing.add(name);
            }
        }
        if (models.size() != 1 || !missing.isEmpty()) {
            throw new IllegalArgumentException(dir + ": a checkpoint holds " + OPTIMIZER + ", " + RUN
                    + " and one model; " + (missing.isEmpty() ? "" : "missing " + String.join(", ", missing) + "; ")
                    + "found " + models.size() + " other entries " + models.stream().map(Path::getFileName).toList());
        }
        return models.getFirst();
    }

    /**
     * Every setting in which {@code other} differs from this checkpoint's, as "name: checkpoint X, asked Y"; a resumed
     * run must keep them all, or its curve is not the interrupted run's.
     */
    public List<String> differences(TrainingSettings other) {
        List<String> differences = new ArrayList<>();
        compare("", JSON.valueToTree(settings), JSON.valueToTree(other), differences);
        return differences;
    }

    private static void compare(String prefix, JsonNode mine, JsonNode theirs, List<String> differences) {
        if (mine.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = mine.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                compare(prefix + e.getKey() + ".", e.getValue(), theirs.path(e.getKey()), differences);
            }
        } else if (!mine.equals(theirs)) {
            differences.add(prefix.substring(0, prefix.length() - 1) + ": checkpoint " + mine + ", asked " + theirs);
        }
    }
}
