package io.grow4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@code grow4j ARGS} in its own JVM for the tests that limit its heap, then prints its exit code, the peak of
 * its anonymous resident memory (RssAnon, sampled every 20 ms: the heap, native buffers and stacks, not the mapped
 * weights' file-backed pages, which the kernel can drop at will) and the peak of all resident memory (VmHWM).
 */
public final class VerifyChild {
    private VerifyChild() {
    }

    public static void main(String[] args) throws Exception {
        AtomicLong peakAnon = new AtomicLong();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakAnon.accumulateAndGet(statusKb("RssAnon"), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long start = System.nanoTime();
        int code = Grow4j.commandLine().execute(args);
        sampler.interrupt();
        sampler.join();
        peakAnon.accumulateAndGet(statusKb("RssAnon"), Math::max);
        System.out.printf("exit %d%nseconds %.1f%npeak RssAnon: %d kB%nVmHWM: %d kB%n", code,
                (System.nanoTime() - start) / 1e9, peakAnon.get(), statusKb("VmHWM"));
        System.exit(code);
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return 0;
    }
}
