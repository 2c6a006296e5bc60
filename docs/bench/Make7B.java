import io.grow4j.model.DType;
import io.grow4j.transforms.stream.SyntheticCheckpoints;

import java.nio.file.Path;

/**
 * Writes the Llama-2-7B-shaped BF16 checkpoint of BENCHMARKS.md's 7 B verify (random, seeded: 6.74 B parameters,
 * 13.48 GB in shards of at most 5 GB) to the directory named by the first argument. Run from the project root:
 * {@code java --add-modules jdk.incubator.vector -cp cli/target/grow4j.jar docs/bench/Make7B.java /tmp/7b/in}.
 */
public class Make7B {
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        long bytes = SyntheticCheckpoints.write(Path.of(args[0]), SyntheticCheckpoints.llamaShaped(4096), DType.BF16,
                11, 5_000_000_000L);
        System.out.printf("wrote %d bytes in %.1f s%n", bytes, (System.nanoTime() - t0) / 1e9);
    }
}
