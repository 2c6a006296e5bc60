package io.grow4j.cli;

import io.grow4j.train.Trainer;
import io.grow4j.train.TrainingCheckpoint;
import io.grow4j.train.TrainingSettings;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where train's periodic checkpoints go: {@code DIR/step-NNNNNN}, one directory per checkpoint
 * ({@link TrainingCheckpoint}), each written atomically, so a run killed mid-write leaves the earlier ones intact and
 * none half-written. Every name a run will write is checked before it starts.
 */
record CheckpointOutputs(Path dir, int every, boolean force) {
    static String name(int step) {
        return String.format("step-%06d", step);
    }

    /** Every reason the checkpoints after step {@code from} of a run of {@code steps} cannot be written. */
    List<String> problems(int from, int steps) {
        List<String> problems = new ArrayList<>();
        if (every < 0) {
            problems.add("--checkpoint-every must be >= 0 (0: no checkpoints), got " + every);
            return problems;
        }
        if (every == 0) {
            return problems;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            problems.add("--checkpoint-dir " + dir + " exists and is not a directory");
        } else if (parent == null || !Files.isDirectory(parent)) {
            problems.add("--checkpoint-dir " + dir + ": its directory " + parent + " does not exist; create it first");
        }
        for (int step = (from / every + 1) * every; step < steps && !force; step += every) {
            if (Files.exists(dir.resolve(name(step)), LinkOption.NOFOLLOW_LINKS)) {
                problems.add("checkpoint " + dir.resolve(name(step)) + " already exists (use --force to replace it)");
            }
        }
        return problems;
    }

    /**
     * The trainer's checkpoints: each holds the model under {@code modelName} with what OUT carries besides its
     * tensors ({@code extras}) and the run's tokenizer.json ({@code tokenizerFile}, null: none), and the run's log
     * so far, read from {@code history} (which the progress callback fills before a checkpoint is due).
     */
    Trainer.Checkpoints checkpoints(String modelName, TrainingSettings settings, List<Trainer.LogEntry> history,
                                    String tokenizer, Map<String, ?> extras, Path tokenizerFile) {
        if (every == 0) {
            return Trainer.Checkpoints.NONE;
        }
        return new Trainer.Checkpoints(every, (position, state) -> {
            Files.createDirectories(dir);
            new TrainingCheckpoint(settings, position, state, List.copyOf(history), tokenizer, extras)
                    .write(dir.resolve(name(position.step())), modelName, force, tokenizerFile);
        });
    }
}
