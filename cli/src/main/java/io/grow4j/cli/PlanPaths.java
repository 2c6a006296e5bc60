package io.grow4j.cli;

import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the file given to --plan. The operating system's own messages name neither the option nor the path
 * ("Is a directory", or only the path for a permission problem), so what is wrong with the path is said here.
 */
final class PlanPaths {
    private PlanPaths() {
    }

    /** The plan in {@code plan}; a {@link PlanException} naming --plan and the path when it cannot be read. */
    static GrowthPlan read(Path plan) {
        if (Files.isDirectory(plan)) {
            throw new PlanException(List.of("--plan " + plan + " is a directory: it takes a YAML plan file"));
        }
        try {
            return PlanFiles.read(plan);
        } catch (AccessDeniedException e) {
            throw new PlanException(List.of("--plan " + plan + " cannot be read: permission denied"));
        } catch (IOException e) {
            throw new PlanException(List.of("--plan " + plan + " cannot be read: " + e.getMessage()));
        }
    }
}
