package io.grow4j.cli;

import io.grow4j.model.Activation;
import io.grow4j.model.Architecture;
import io.grow4j.model.AttentionConfig;
import io.grow4j.model.DType;
import io.grow4j.model.MlpConfig;
import io.grow4j.model.Positions;
import io.grow4j.model.RandomModels;
import io.grow4j.model.RopeLayout;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.Llama2cFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** stories260K and what the acceptance tests know about it (shared/data/README.md). */
final class Stories {
    /** llama2.c run.c, temperature 0, from BOS. */
    static final String REFERENCE_16 = "461 461 401 401 401 461 378 455 473 456 435 299 362 409 283 264";

    /** The core issue's plan: mlp, heads, head_dim, hidden and layers. */
    static final String PLAN = """
            seed: 7
            steps:
              - mlp: {size: 256}
              - heads: {add: 2}
              - head_dim: {size: 16}
              - hidden: {size: 96}
              - layers: {add: 2, at: [0, 4]}
            """;

    /** stories260K's header: dim 64, hidden 172, 5 layers, 8 query heads over 4 key/value heads, vocab 512. */
    static final TransformerConfig CONFIG = new TransformerConfig(Architecture.LLAMA, 512, 64, 5, 512,
            new AttentionConfig(8, 4, 8, 8, false), new MlpConfig(172, Activation.SWIGLU, false), 1e-5,
            new Positions.Rope(10000, RopeLayout.INTERLEAVED), true);

    private Stories() {
    }

    /**
     * A llama2.c file in {@code dir} with stories260K's sizes and seeded random weights, for tests that need its
     * shape but not its training (refusals, output options), so that they run on a clone without shared/data.
     */
    static Path randomLike(Path dir) throws IOException {
        Path file = dir.resolve("stories-shaped.bin");
        new Llama2cFormat().write(RandomModels.create(CONFIG, DType.F32, 260), file);
        return file;
    }

    static Path path() {
        return Cli.sharedData("stories260K.bin");
    }

    private static Path shaped;

    /**
     * One {@link #randomLike} file for the whole test run (in a temporary directory removed at exit), for tests that
     * read stories260K's sizes through the command line but none of its trained behaviour.
     */
    static synchronized Path shaped() {
        if (shaped == null) {
            try {
                Path dir = Files.createTempDirectory("grow4j-stories-shaped");
                shaped = randomLike(dir);
                shaped.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shaped;
    }
}
