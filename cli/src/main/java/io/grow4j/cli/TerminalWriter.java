package io.grow4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.temporal.TemporalAccessor;
import java.util.Calendar;
import java.util.Date;
import java.util.Locale;

/**
 * The writer behind every command's stdout and stderr: the one place where text reaches the terminal, so no string
 * read from a file can drive it (see {@link TerminalText}). A message printed with {@code println(String)} and each
 * argument of {@code printf} is escaped whole, newlines included, so a value cannot start a line of its own (a forged
 * "wrote ..."); text the program lays out itself ({@code print}: help, tables; the format string of {@code printf})
 * keeps its newlines and tabs but loses every other control character.
 */
final class TerminalWriter extends PrintWriter {
    TerminalWriter(Writer out) {
        super(out, true);
    }

    /** {@code writer} itself when it already escapes, else a wrapper around it. */
    static PrintWriter wrap(PrintWriter writer) {
        return writer instanceof TerminalWriter ? writer : new TerminalWriter(writer);
    }

    /** Every other write ends here (PrintWriter's write(String) and print call it). */
    @Override
    public void write(String s, int off, int len) {
        String escaped = TerminalText.escapeKeepingLines(s.substring(off, off + len));
        super.write(escaped, 0, escaped.length());
    }

    @Override
    public void write(char[] buf, int off, int len) {
        write(new String(buf, off, len));
    }

    @Override
    public void write(int c) {
        write(String.valueOf((char) c));
    }

    @Override
    public void println(String x) {
        synchronized (lock) {
            print(TerminalText.escape(String.valueOf(x)));
            println();
        }
    }

    @Override
    public void println(Object x) {
        println(String.valueOf(x));
    }

    @Override
    public void println(char[] x) {
        println(new String(x));
    }

    /** Newlines the program asks for go straight through: {@link #write(String, int, int)} only ever sees text. */
    @Override
    public void println() {
        synchronized (lock) {
            try {
                out.write(System.lineSeparator());
                out.flush();
            } catch (IOException e) {
                setError();
            }
        }
    }

    @Override
    public PrintWriter format(String format, Object... args) {
        return super.format(format, escaped(args));
    }

    @Override
    public PrintWriter format(Locale locale, String format, Object... args) {
        return super.format(locale, format, escaped(args));
    }

    /** Numbers stay numbers (for %d, %.2f); text, paths and anything else printed with %s are escaped whole. */
    private static Object[] escaped(Object[] args) {
        if (args == null) {
            return null;
        }
        Object[] copy = args.clone();
        for (int i = 0; i < copy.length; i++) {
            Object arg = copy[i];
            if (arg != null && !(arg instanceof Number || arg instanceof Boolean || arg instanceof Character
                    || arg instanceof TemporalAccessor || arg instanceof Date || arg instanceof Calendar)) {
                copy[i] = TerminalText.escape(arg.toString());
            }
        }
        return copy;
    }
}
