package io.grow4j.cli;

import io.grow4j.model.TransformerConfig;
import io.grow4j.transforms.GrowthPlan;
import io.grow4j.transforms.StepReport;
import io.grow4j.transforms.steps.GrowthStep;
import io.grow4j.transforms.stream.StreamProgress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintStream;

/**
 * A progress bar on stderr for growth: streamed, bytes written, rate, time left and tensors done; in memory, the
 * parameters of the steps done and their count. Drawn in place on a
 * terminal; in a log (forced with --progress) it is plain ASCII, redrawn on one line with carriage returns.
 */
final class GrowProgressBar implements StreamProgress, AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private ProgressBar bar;
    private int tensors;
    private int written;
    private String unit;

    GrowProgressBar(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether a bar should be drawn: the --[no-]progress choice, else only when attached to a terminal. */
    static boolean wanted(Boolean option) {
        return ProgressBars.wanted(option);
    }

    static boolean isTerminal() {
        return ProgressBars.isTerminal();
    }

    @Override
    public void start(long totalBytes, int totalTensors) {
        tensors = totalTensors;
        unit = "tensors";
        bar = builder().setInitialMax(totalBytes).setUnit("MiB", 1L << 20).showSpeed().build();
        bar.setExtraMessage(message());
    }

    @Override
    public void tensorWritten(String name, long bytes) {
        written++;
        bar.stepBy(bytes);
        bar.setExtraMessage(message());
    }

    /**
     * In-memory growth: the bar counts the plan's steps, weighted by the parameters each step writes, since a step
     * that doubles the hidden size costs far more than one that adds an MLP column.
     */
    void startSteps(TransformerConfig source, GrowthPlan plan) {
        long totalParameters = 0;
        TransformerConfig config = source;
        for (GrowthStep step : plan.steps()) {
            config = step.apply(config);
            totalParameters += config.parameterCount();
        }
        tensors = plan.steps().size();
        unit = "steps";
        bar = builder().setInitialMax(totalParameters).setUnit("M params", 1_000_000).build();
        bar.setExtraMessage(message());
    }

    /** After each step of an in-memory growth. */
    void stepDone(StepReport step) {
        written++;
        bar.stepBy(step.parametersAfter());
        bar.setExtraMessage(message() + " (" + step.label() + ")");
    }

    @Override
    public void finish() {
        close();
    }

    private ProgressBarBuilder builder() {
        return ProgressBars.builder("grow", err, terminal);
    }

    private String message() {
        return " " + written + "/" + tensors + " " + unit;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
