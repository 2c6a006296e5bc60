package io.grow4j.cli;

import io.grow4j.model.format.SourceOverlap;
import io.grow4j.train.Trainer;
import io.grow4j.train.TrainingCheckpoint;
import io.grow4j.train.TrainingSettings;

import java.io.IOException;
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

    /**
     * Every reason the checkpoints after step {@code from} of a run of {@code steps} cannot be written, among them a
     * checkpoint that would be, or lie inside, one of the run's {@code inputs} (a null path is skipped).
     */
    List<String> problems(int from, int steps, OutputClaim.Input... inputs) throws IOException {
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
        int first = (from / every + 1) * every;
        if (first < steps) {
            problems.addAll(overlaps(dir.resolve(name(first)), inputs));
        }
        for (int step = first; step < steps && !force; step += every) {
            if (Files.exists(dir.resolve(name(step)), LinkOption.NOFOLLOW_LINKS)) {
                problems.add("checkpoint " + dir.resolve(name(step)) + " already exists (use --force to replace it)");
            }
        }
        return problems;
    }

    /**
     * Why the first checkpoint may not be written: it is, or lies inside, a file or directory the run reads. A
     * --checkpoint-dir inside the source model would otherwise add step directories to it, and one inside the resumed
     * checkpoint would nest new checkpoints in it. Checking the first suffices: every later one is its sibling. A
     * directory that merely holds an input (the resumed checkpoint's own CHECKPOINTS, the corpus's folder) is fine,
     * as checkpoints only add step-NNNNNN entries beside it.
     */
    private static List<String> overlaps(Path first, OutputClaim.Input... inputs) throws IOException {
        List<String> problems = new ArrayList<>();
        for (OutputClaim.Input input : inputs) {
            if (input.path() != null) {
                SourceOverlap.problem(input.role(), input.path(), first)
                        .ifPresent(p -> problems.add("--checkpoint-dir: " + p));
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
