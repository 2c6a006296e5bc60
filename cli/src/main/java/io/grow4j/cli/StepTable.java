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
        row(r, Double.NaN);
    }

    /** With the largest logit difference against the original model, when known. */
    void row(StepReport r, double maxLogitDiff) {
        if (!headerDone) {
            out.printf("%-24s %14s %14s %10s %14s%n", "step", "params before", "params after", "seconds",
                    "max |Δlogit|");
            headerDone = true;
        }
        String diff = Double.isNaN(maxLogitDiff) ? "-" : String.format("%.3e", maxLogitDiff);
        out.printf("%-24s %,14d %,14d %10.4f %14s%n", r.label(), r.parametersBefore(), r.parametersAfter(),
                r.seconds(), diff);
        out.flush();
    }
}
