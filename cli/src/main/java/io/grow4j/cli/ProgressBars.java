package io.grow4j.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.InteractiveConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * The command line's progress bars (grow, verify) on stderr: drawn in place on a terminal; in a log (forced with
 * --progress) plain ASCII, redrawn on one line with carriage returns.
 */
final class ProgressBars {
    private ProgressBars() {
    }

    /** Whether a bar should be drawn: the --[no-]progress choice, else only when attached to a terminal. */
    static boolean wanted(Boolean option) {
        return option != null ? option : isTerminal();
    }

    static boolean isTerminal() {
        return System.console() != null && System.console().isTerminal();
    }

    /** A bar named {@code task}, redrawn four times a second. */
    static ProgressBarBuilder builder(String task, PrintStream err, boolean terminal) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setConsumer(terminal ? new InteractiveConsoleProgressBarConsumer(err)
                        : new ConsoleProgressBarConsumer(err));
    }
}
