package io.grow4j.cli;

import io.grow4j.transforms.StepReport;

import java.io.PrintWriter;

/** Prints one line per growth step: parameters before and after, and the time it took. */
final class StepTable {
    private final PrintWriter out;
    private boolean headerDone;

    StepTable(PrintWriter out) {
        this.out = out;
    }

    void row(StepReport r) {
        if (!headerDone) {
            out.printf("%-24s %14s %14s %10s%n", "step", "params before", "params after", "seconds");
            headerDone = true;
        }
        out.printf("%-24s %,14d %,14d %10.4f%n", r.label(), r.parametersBefore(), r.parametersAfter(), r.seconds());
        out.flush();
    }
}
