package io.grow4j.cli;

import io.grow4j.train.Trainer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * train's progress bar on stderr: steps done of the run, time left (the library's estimate from the steps' rate),
 * the last train loss and tokens/s. Drawn in place on a terminal, plain ASCII in a log, as grow's bar.
 */
final class TrainProgressBar implements AutoCloseable {
    private final ProgressBar bar;
    private final long began = System.nanoTime();
    private final long startTokens;

    /** A bar over steps {@code from}..{@code steps}, counting tokens/s from {@code startTokens}. */
    TrainProgressBar(PrintStream err, boolean terminal, int from, int steps, long startTokens) {
        this.startTokens = startTokens;
        bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).setUnit(" steps", 1)
                .setUpdateIntervalMillis(250).continuousUpdate().startsFrom(from, java.time.Duration.ZERO)
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(terminal ? new InteractiveConsoleProgressBarConsumer(err)
                        : new ConsoleProgressBarConsumer(err))
                .build();
    }

    void step(Trainer.LogEntry e) {
        double seconds = (System.nanoTime() - began) / 1e9;
        bar.stepTo(e.step() + 1L);
        bar.setExtraMessage(String.format(" loss %.4f, %.0f tokens/s", e.trainLoss(),
                (e.tokens() - startTokens) / Math.max(seconds, 1e-9)));
    }

    @Override
    public void close() {
        bar.close();
    }
}
