package io.grow4j.train;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.CheckpointException;
import io.grow4j.model.format.HfDirectoryFormat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The model a run starts from when there is no checkpoint ({@code grow4j train --init CONFIG.yaml}): its family and
 * sizes in the keys of a Hugging Face config.json ({@code model_type}, {@code hidden_size},
 * {@code intermediate_size}, {@code num_hidden_layers}, {@code num_attention_heads}, {@code num_key_value_heads},
 * {@code head_dim}, {@code vocab_size}, {@code max_position_embeddings}, {@code rope_theta}, {@code rms_norm_eps},
 * {@code tie_word_embeddings}), written as YAML. The same keys as config.json, not a schema of grow4j's own, so a
 * model's config.json (JSON is YAML) starts a run from scratch in its shape. Fields a config may leave out default as
 * transformers does (the family's codec in {@link HfDirectoryFormat#configOf}); the sizes have no default and must be
 * given. Keys that do not change the
 * function (bos_token_id, torch_dtype) are accepted and not carried to the trained model.
 */
public final class InitConfig {
    /** Duplicate keys are refused, as in plans: a silent last-one-wins hides an edit gone wrong. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature()));

    /** Required sizes, each with the other names a family's config.json gives it (GPT2Config's attribute_map). */
    private static final String[][] REQUIRED_SIZES = {{"vocab_size"}, {"hidden_size", "n_embd"},
            {"num_hidden_layers", "n_layer"}, {"num_attention_heads", "n_head"}};

    private InitConfig() {
    }

    /**
     * The config {@code file} describes, checked for {@code context} tokens per window, or null with every problem
     * added to {@code problems}: unreadable YAML, an unknown or missing model_type, missing or malformed sizes, heads
     * that do not divide hidden_size (without head_dim), a context beyond max_position_embeddings, and what the
     * backward pass cannot train ({@link TrainingSupport#problems}).
     */
    public static TransformerConfig read(Path file, int context, List<String> problems) throws IOException {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            problems.add("--init " + file + ": no such file");
            return null;
        } catch (JacksonException e) {
            problems.add("--init " + file + ": not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
            return null;
        }
        if (root == null || !root.isObject()) {
            problems.add("--init " + file + ": expected a mapping of config.json keys (model_type, hidden_size, ...)");
            return null;
        }
        List<String> found = new ArrayList<>(headProblems(root));
        TransformerConfig config = null;
        try {
            config = HfDirectoryFormat.configOf(file, root);
        } catch (CheckpointException e) {
            // the codec lists its problems one per indented line; each becomes a line of the report
            String prefix = file + ": ";
            String message = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length())
                    : e.getMessage();
            for (String line : message.split("\n  ")) {
                if (!line.equals("bad config:")) {
                    found.add(line.replaceFirst("^bad config:\\s*", ""));
                }
            }
        }
        found.addAll(missingSizes(root, found));
        if (config != null) {
            found.addAll(TrainingSupport.problems(config));
        }
        // max_position_embeddings as the codec read it (transformers' default when absent), else as written
        JsonNode positions = root.path("max_position_embeddings");
        int maxPositions = config != null ? config.maxSeqLen() : positions.canConvertToInt() ? positions.asInt()
                : Integer.MAX_VALUE;
        if (context > maxPositions) {
            found.add("--context " + context + " exceeds max_position_embeddings " + maxPositions);
        }
        found.forEach(p -> problems.add("--init " + file + ": " + p));
        return found.isEmpty() ? config : null;
    }

    /**
     * The sizes a run from scratch must state, under config.json's common name or GPT-2's own (n_embd, n_layer,
     * n_head). The codecs default them as transformers does for reading a checkpoint's config (GPT2Config: GPT-2
     * small), but a config that leaves one out describes no model, and defaulting it would silently train another.
     */
    private static List<String> missingSizes(JsonNode root, List<String> reported) {
        List<String> missing = new ArrayList<>();
        for (String[] names : REQUIRED_SIZES) {
            boolean absent = Arrays.stream(names).allMatch(n -> root.path(n).isMissingNode() || root.path(n).isNull());
            // the family's codec names the sizes it requires itself
            if (absent && Arrays.stream(names).noneMatch(n -> reported.contains("missing " + n))) {
                missing.add("missing " + String.join(" (or ", names) + (names.length > 1 ? ")" : ""));
            }
        }
        return missing;
    }

    /**
     * Heads that do not divide hidden_size, which the codec reports only as a missing head_dim. Read from the raw
     * keys, so it is reported even when the family is unknown.
     */
    private static List<String> headProblems(JsonNode root) {
        List<String> problems = new ArrayList<>();
        JsonNode hidden = root.path("hidden_size");
        JsonNode heads = root.path("num_attention_heads");
        if (hidden.canConvertToInt() && heads.canConvertToInt() && heads.asInt() > 0 && !root.has("head_dim")
                && hidden.asInt() % heads.asInt() != 0) {
            problems.add("num_attention_heads " + heads.asInt() + " does not divide hidden_size " + hidden.asInt()
                    + " (or give head_dim)");
        }
        return problems;
    }
}
