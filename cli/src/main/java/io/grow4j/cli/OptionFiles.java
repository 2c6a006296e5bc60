package io.grow4j.cli;

import io.grow4j.kernels.device.DeviceProfile;
import io.grow4j.kernels.device.DeviceProfiles;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the files options name (--plan, --device-profile). The operating system's own messages name neither the
 * option nor the path ("Is a directory", or only the path for a missing file or a permission problem), so what is
 * wrong with the path is said here, with the option it came from.
 */
final class OptionFiles {
    private OptionFiles() {
    }

    /** The plan in {@code plan}; a {@link PlanException} naming --plan and the path when it cannot be read. */
    static GrowthPlan plan(Path plan) {
        if (Files.isDirectory(plan)) {
            throw new PlanException(List.of(directory("--plan", plan, "a YAML plan file")));
        }
        try {
            return PlanFiles.read(plan);
        } catch (AccessDeniedException e) {
            throw new PlanException(List.of(unreadable("--plan", plan, "permission denied")));
        } catch (IOException e) {
            throw new PlanException(List.of(unreadable("--plan", plan, e.getMessage())));
        }
    }

    /** The profile in {@code file}, the built-in one when null; refused naming --device-profile and the path. */
    static DeviceProfile deviceProfile(Path file) {
        if (file == null) {
            return DeviceProfile.DEFAULT;
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("--device-profile " + file + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(directory("--device-profile", file, "a YAML device profile"
                    + " (devices/*.yaml)"));
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(unreadable("--device-profile", file, "permission denied"));
        }
        return DeviceProfiles.load(file);
    }

    private static String directory(String option, Path path, String expected) {
        return option + " " + path + " is a directory: it takes " + expected;
    }

    private static String unreadable(String option, Path path, String reason) {
        return option + " " + path + " cannot be read: " + reason;
    }
}
