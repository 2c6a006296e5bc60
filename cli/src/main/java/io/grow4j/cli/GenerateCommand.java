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
    @Parameters(index = "0", paramLabel = "MODEL")
    Path model;

    @Option(names = "--steps", defaultValue = "64", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default), > 0 samples")
    double temperature;

    @Option(names = "--seed", defaultValue = "42", description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--print-ids", description = "print the generated token ids (always the last line)")
    boolean printIds;

    @Mixin
    BackendOption backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (steps <= 0) {
            throw new IllegalArgumentException("--steps must be positive, got " + steps);
        }
        if (temperature < 0) {
            throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        }
        Model m = ModelFiles.read(model, spec.commandLine().getErr());
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
