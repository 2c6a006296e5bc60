package io.grow4j.model.format;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A write that never finishes, in its own JVM, for the tests that signal or kill it part-way: args OUT. Replaces OUT
 * with a directory, writes one file of it, prints "writing TEMPORARY" and sleeps.
 */
public final class SlowWriteChild {
    private SlowWriteChild() {
    }

    public static void main(String[] args) throws Exception {
        AtomicOutput.replace(Path.of(args[0]), temporary -> {
            Files.createDirectory(temporary);
            Files.writeString(temporary.resolve("model.safetensors"), "half written");
            System.out.println("writing " + temporary);
            System.out.flush();
            try {
                Thread.sleep(120_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
