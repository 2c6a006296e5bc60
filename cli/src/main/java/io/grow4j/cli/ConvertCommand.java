package io.grow4j.cli;

import io.grow4j.model.DType;
import io.grow4j.model.Model;
import io.grow4j.model.format.ModelFormat;
import io.grow4j.model.format.ModelFormats;
import io.grow4j.transforms.PlanException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "convert", description = "Write a model in another format (exact: Q/K rows are permuted between RoPE layouts).")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL",
            description = "the model to convert: " + Formats.MODELS_READ)
    Path model;

    @Parameters(index = "1", paramLabel = "OUT", 
            description = "where to write it (must not exist); its format is " + Formats.MODELS_WRITTEN)
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", converter = OutputDType.class,
            description = "store the tensors as f64, f32, f16 or bf16 (default: as read)")
    DType dtype;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OutputClaim claim = OutputClaim.newOnly(out, OutputClaim.Input.model(model))) {
            PlanException.throwIfAny(claim.problems()); // before reading: a missing directory needs no model loaded
            Model read = ModelFiles.read(model, spec.commandLine().getErr());
            Model m = dtype == null ? read : read.convertTo(dtype);
            ModelFormat format = ModelFormats.forOutput(out);
            List<String> problems = new ArrayList<>();
            for (String p : format.writeProblems(m, m.config())) {
                problems.add("output " + out + " (" + format.name() + "): " + p);
            }
            PlanException.throwIfAny(problems);
            claim.write(temporary -> format.write(m, temporary));
            format.writeNotes(m).forEach(n -> spec.commandLine().getOut().println("note: " + out + ": " + n));
            report(m, format);
        }
        return Grow4j.OK;
    }

    private void report(Model m, ModelFormat format) {
        spec.commandLine().getOut().printf("wrote %s (%s): %,d parameters%n", out, format.name(), m.parameterCount());
        spec.commandLine().getOut().flush();
    }
}
