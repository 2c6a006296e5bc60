package io.grow4j.cli;

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

    private Stories() {
    }

    static Path path() {
        return Cli.sharedData("stories260K.bin");
    }
}
