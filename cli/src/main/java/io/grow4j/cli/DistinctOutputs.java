package io.grow4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files one command writes, each under its own option's name, which must all differ: each output is claimed and
 * locked on its own, so two options naming one path (--log equal to --out, --plot equal to --log) would both pass
 * their claims and the later write would silently replace the earlier one while the command reports both written.
 * Paths are compared absolute and normalised; a null path (an output not asked for) is skipped.
 */
final class DistinctOutputs {
    private final Map<Path, String> byPath = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Adds {@code path}, written for {@code role} (e.g. "--log"), noting a problem if an earlier role has it. */
    DistinctOutputs add(String role, Path path) {
        if (path == null) {
            return this;
        }
        String earlier = byPath.putIfAbsent(path.toAbsolutePath().normalize(), role);
        if (earlier != null) {
            problems.add(role + " " + path + " is also " + earlier + ": each output needs its own name, or one"
                    + " would overwrite the other");
        }
        return this;
    }

    /** One line per path named twice; empty when every output has its own name. */
    List<String> problems() {
        return List.copyOf(problems);
    }
}
