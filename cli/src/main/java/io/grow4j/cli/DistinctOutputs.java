package io.grow4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files one command writes, each under its own option's name, which must all differ and none lie inside another:
 * each output is claimed and locked on its own, so two options naming one path (--log equal to --out, --plot equal to
 * --log) would both pass their claims and the later write would silently replace the earlier one while the command
 * reports both written; and an output inside another (--checkpoint-dir OUT/ck, --out CHECKPOINTS/step-000002) is
 * deleted when that one is replaced at the end, or replaces what that one wrote. Paths are compared absolute and
 * normalised; a null path (an output not asked for) is skipped.
 */
final class DistinctOutputs {
    private final Map<Path, String> byPath = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Adds {@code path}, written for {@code role} (e.g. "--log"), noting a problem if an earlier role has it. */
    DistinctOutputs add(String role, Path path) {
        if (path == null) {
            return this;
        }
        Path normal = path.toAbsolutePath().normalize();
        String earlier = byPath.putIfAbsent(normal, role);
        if (earlier != null) {
            problems.add(role + " " + path + " is also " + earlier + ": each output needs its own name, or one"
                    + " would overwrite the other");
            return this;
        }
        byPath.forEach((other, otherRole) -> {
            if (!other.equals(normal) && (normal.startsWith(other) || other.startsWith(normal))) {
                boolean inside = normal.startsWith(other);
                problems.add(role + " " + path + (inside ? " lies inside " : " contains ") + otherRole + " "
                        + other + ": writing " + (inside ? otherRole : role) + " would remove or overwrite "
                        + (inside ? role : otherRole) + "; give each output a place of its own");
            }
        });
        return this;
    }

    /** One line per path named twice or inside another; empty when every output has a place of its own. */
    List<String> problems() {
        return List.copyOf(problems);
    }
}
