package io.grow4j.transforms.stream;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.transforms.PlanFiles;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs one streamed growth (a directory, or a .gguf file into a .gguf file) in its own JVM for the tests that limit its heap or kill it: args IN PLAN.yaml OUT
 * [pause-millis-per-tensor]. The pause makes a small model take long enough to be killed part-way. Prints the peak
 * resident memory (VmHWM) at the end.
 */
public final class StreamGrowChild {
    private StreamGrowChild() {
    }

    public static void main(String[] args) throws Exception {
        long pause = args.length > 3 ? Long.parseLong(args[3]) : 0;
        StreamProgress progress = new StreamProgress() {
            @Override
            public void tensorWritten(String name, long bytes) {
                System.out.println("wrote " + name + " " + bytes);
                if (pause > 0) {
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        StreamingGrower grower = new StreamingGrower(new CpuPadKernel(), StreamOptions.DEFAULTS.withShardSize(1L << 30));
        StreamResult result = args[0].endsWith(".gguf")
                ? grower.growGguf(Path.of(args[0]), PlanFiles.read(Path.of(args[1])), Path.of(args[2]), progress)
                : grower.grow(Path.of(args[0]), PlanFiles.read(Path.of(args[1])), Path.of(args[2]), progress);
        System.out.println("result " + result);
        Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .forEach(System.out::println);
    }
}
