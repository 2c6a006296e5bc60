package io.grow4j.cli;

import io.grow4j.kernels.pad.CpuPadKernel;
import io.grow4j.model.Model;
import io.grow4j.model.TransformerConfig;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.Grower;
import io.grow4j.transforms.PlanException;
import io.grow4j.transforms.PlanFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "grow", description = "Apply a growth plan and write the grown model.")
final class GrowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model directory or a llama2.c .bin file")
    Path model;

    @Option(names = "--plan", required = true, paramLabel = "PLAN.yaml", description = "the growth plan")
    Path plan;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "a directory (default format: config.json + model.safetensors) or a .bin file (llama2.c)")
    Path out;

    @Option(names = "--force", description = "replace OUT if it exists")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        GrowthPlan growthPlan = readPlan(problems);
        Model source = ModelFiles.read(model);
        ModelFormat format = ModelFormats.forOutput(out);
        if (growthPlan != null) {
            List<String> planProblems = growthPlan.problems(source.config());
            problems.addAll(planProblems);
            if (planProblems.isEmpty()) {
                TransformerConfig grown = growthPlan.apply(source.config());
                for (String p : format.writeProblems(grown)) {
                    problems.add("output " + out + " (" + format.name() + "): " + p);
                }
            }
        }
        if (Files.exists(out) && !force) {
            problems.add("output " + out + " already exists (use --force to replace it)");
        }
        PlanException.throwIfAny(problems);

        Model grown = new Grower(new CpuPadKernel()).grow(source, growthPlan, new StepTable(stdout)::row);
        if (force) {
            deleteRecursively(out);
        }
        format.write(grown, out);
        stdout.printf("wrote %s (%s): %,d parameters%n", out, format.name(), grown.parameterCount());
        stdout.flush();
        return Grow4j.OK;
    }

    private GrowthPlan readPlan(List<String> problems) throws IOException {
        try {
            return PlanFiles.read(plan);
        } catch (PlanException e) {
            problems.addAll(e.problems());
            return null;
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
