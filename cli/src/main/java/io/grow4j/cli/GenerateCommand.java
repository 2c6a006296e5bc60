package io.grow4j.cli;

import io.grow4j.kernels.forward.Generator;
import io.grow4j.model.Model;
import io.grow4j.model.NonFiniteCount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "generate", description = "Decode from BOS (token 1); the last line printed is the generated token ids.")
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "the model to decode: " + Formats.DECODERS_READ)
    Path model;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "64", converter = OptionRanges.PositiveInt.class,
            description = "tokens to generate, at most the model's maximum sequence length (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0",
            converter = OptionRanges.NonNegativeFinite.class,
            description = "0 = greedy, > 0 samples from softmax(logits / temperature) (default ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", converter = OptionRanges.Seed.class,
            description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--print-ids", description = "print the generated token ids (always the last line)")
    boolean printIds;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Model m = ModelFiles.read(model, spec.commandLine().getErr());
        if (steps > m.config().maxSeqLen()) {
            throw new IllegalArgumentException("--steps " + steps + " exceeds the limit of " + model + ": its maximum"
                    + " sequence length " + m.config().maxSeqLen());
        }
        NonFiniteWeights.warn(model, NonFiniteCount.perTensor(m.tensors()), spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        try (Forwards forwards = backend.forwards(); Forwards.Forward forward = forwards.create(m)) {
            long start = System.nanoTime();
            int[] ids = temperature == 0 ? Generator.greedy(forward.newSession(), steps)
                    : Generator.sample(forward.newSession(), steps, temperature, seed);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("generated %d tokens in %.3f s (%.1f tokens/s) on %s%n", ids.length, seconds,
                    ids.length / seconds, forwards.name());
            out.println(joinIds(ids));
        }
        out.flush();
        return Grow4j.OK;
    }

    static String joinIds(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
