package io.grow4j.cli;

import io.grow4j.transforms.stream.StreamProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * A progress bar on stderr for streamed growth: bytes written, rate, time left, tensors done. Drawn in place on a
 * terminal; in a log (forced with --progress) it is plain ASCII, redrawn on one line with carriage returns.
 */
final class GrowProgressBar implements StreamProgress, AutoCloseable {
    private final PrintStream err;
    private final boolean terminal;
    private ProgressBar bar;
    private int tensors;
    private int written;

    GrowProgressBar(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether a bar should be drawn: the --[no-]progress choice, else only when attached to a terminal. */
    static boolean wanted(Boolean option) {
        return option != null ? option : isTerminal();
    }

    static boolean isTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    @Override
    public void start(long totalBytes, int totalTensors) {
        tensors = totalTensors;
        bar = new ProgressBarBuilder()
                .setTaskName("grow")
                .setInitialMax(totalBytes)
                .setUnit("MiB", 1L << 20)
                .showSpeed()
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(terminal ? new InteractiveConsoleProgressBarConsumer(err)
                        : new ConsoleProgressBarConsumer(err))
                .build();
        bar.setExtraMessage(message());
    }

    @Override
    public void tensorWritten(String name, long bytes) {
        written++;
        bar.stepBy(bytes);
        bar.setExtraMessage(message());
    }

    @Override
    public void finish() {
        close();
    }

    private String message() {
        return " " + written + "/" + tensors + " tensors";
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
