package io.grow4j.model.format;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an interrupted write leaves must not outlive the process: on SIGTERM or SIGINT (and a normal exit) the JVM
 * runs shutdown hooks, and this one removes the temporaries still being written, puts back an old output moved aside
 * for a replacement that had not arrived yet, and removes held lock files. SIGKILL runs no hook; what it leaves is
 * named after the dead process and removed (or put back) by the next write to the same output.
 */
final class ExitCleanup {
    private static final Set<Path> TEMPORARIES = ConcurrentHashMap.newKeySet();
    /** Old output moved aside → the name to put it back under if the new output is not in place. */
    private static final Map<Path, Path> ASIDE = new ConcurrentHashMap<>();
    private static final Set<OutputLock> LOCKS = ConcurrentHashMap.newKeySet();

    private ExitCleanup() {
    }

    /** Registers the hook on first use, so a process that writes nothing never has one. */
    private static final class Hook {
        static {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::run, "grow4j-output-cleanup"));
        }

        static void install() {
            // the class initializer did it
        }
    }

    static void temporaryStarted(Path temporary) {
        Hook.install();
        TEMPORARIES.add(temporary);
    }

    static void temporaryEnded(Path temporary) {
        TEMPORARIES.remove(temporary);
    }

    /** Whether {@code path} is a temporary this process is filling now. */
    static boolean isTemporary(Path path) {
        return TEMPORARIES.contains(path);
    }

    static void movedAside(Path old, Path out) {
        Hook.install();
        ASIDE.put(old, out);
    }

    static void asideEnded(Path old) {
        ASIDE.remove(old);
    }

    static void lockTaken(OutputLock lock) {
        Hook.install();
        LOCKS.add(lock);
    }

    static void lockReleased(OutputLock lock) {
        LOCKS.remove(lock);
    }

    private static void run() {
        TEMPORARIES.forEach(AtomicOutput::discard);
        ASIDE.forEach((old, out) -> {
            try {
                if (!Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (java.io.IOException ignored) {
                // Still under its hidden .old- name; the next write to OUT puts it back.
            }
        });
        LOCKS.forEach(OutputLock::removeFile);
    }
}
